/** Creates a lab, starts a process inside it, reports the prefix and waits to be killed (lab.test.ts). */
import { spawn } from 'node:child_process';
import { createLab } from '../lab/topology.js';

const lab = await createLab({ edges: 1 });
const host = lab.host('edge-1');
spawn(host.wrapper[0]!, [...host.wrapper.slice(1), 'sleep', '300'], {
  stdio: 'ignore',
  detached: true,
}).unref();
await new Promise((r) => setTimeout(r, 200));
process.send?.(lab.prefix);
setInterval(() => undefined, 1000);
