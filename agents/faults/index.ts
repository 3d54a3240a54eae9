/** The fault driver catalogue: importing this registers every driver the local agent can run. */
import './nft-blackhole.js';
import './nft-loss.js';
import './nft-partition.js';
import './process-kill.js';
import './process-pause.js';
import './process-terminate.js';
import './proxy-down.js';
import './proxy-latency.js';
import './tc-bandwidth.js';
import './tc-netem.js';

export { type FaultDriver, faultDrivers } from './driver.js';
