/** The toxic catalogue: importing this registers every toxic type the fault proxy implements. */
import './bandwidth.js';
import './down.js';
import './latency.js';
import './limit-data.js';
import './reset-peer.js';
import './slicer.js';
import './slow-close.js';
import './timeout.js';

export { toxicTypes } from '../toxic.js';
