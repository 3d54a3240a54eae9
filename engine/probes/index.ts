/** The probe catalogue: importing this registers every probe kind. */
import './command.js';
import './http.js';

export { type ProbeKind, probeKinds } from './probe.js';
