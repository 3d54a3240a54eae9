/** The fault driver catalogue: importing this registers every driver the local agent can run. */
import './process-kill.js';
import './process-pause.js';
import './process-terminate.js';
import './proxy-down.js';
import './proxy-latency.js';

export { type FaultDriver, faultDrivers } from './driver.js';
