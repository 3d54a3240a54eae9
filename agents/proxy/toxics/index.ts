/** The toxic catalogue: importing this registers every toxic type the fault proxy implements. */
import './down.js';
import './latency.js';

export { toxicTypes } from '../toxic.js';
