/** The fault driver catalogue: importing this registers every driver the local agent can run. */
import './nft-blackhole.js';
import './nft-loss.js';
import './nft-partition.js';
import './process-kill.js';
import './process-pause.js';
import './process-terminate.js';
import './proxy-bandwidth.js';
import './proxy-down.js';
import './proxy-latency.js';
import './proxy-limit-data.js';
import './proxy-reset-peer.js';
import './proxy-slicer.js';
import './proxy-slow-close.js';
import './proxy-timeout.js';
import './stress-cpu.js';
import './stress-disk.js';
import './stress-memory.js';
import './tc-bandwidth.js';
import './tc-netem.js';
import './toxiproxy-down.js';
import './toxiproxy-toxic.js';

export { type FaultDriver, faultDrivers } from './driver.js';
