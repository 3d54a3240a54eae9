/**
 * `command` probe: run an argv every tick (no shell); ok when it exits 0 within the timeout.
 * `latency` is its run time; at the timeout its whole process group is SIGKILLed (it runs in a
 * group of its own so a wrapper script's children die with it) and the attempt counts as a timeout.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { secretText } from '../core/unit-schemas.js';
import { type Attempt, createPeriodicProbe } from './periodic.js';
import { defineProbeKind } from './probe.js';

const Params = z.strictObject({
  argv: z.array(z.string()).min(1, { error: 'expected the argv to run, e.g. [curl, -fsS, http://...]' }),
  cwd: z.string().optional(),
  env: z.record(z.string(), secretText('the variable’s value')).optional(),
});
export type CommandProbeParams = z.output<typeof Params>;

export const commandProbe = defineProbeKind({
  name: 'command',
  summary: 'Run a command every tick; ok when it exits 0 within the timeout.',
  params: Params,
  create: (spec, params) => createPeriodicProbe(spec, (timeoutMs) => run(params, timeoutMs)),
});

function run(p: CommandProbeParams, timeoutMs: number): Promise<Attempt> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(p.argv[0]!, p.argv.slice(1), {
      cwd: p.cwd,
      env: p.env ? { ...process.env, ...p.env } : process.env,
      stdio: 'ignore',
      detached: true,
    });
    let timedOut = false;
    let settled = false;
    const settle = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      // Settled on 'exit', so stop() only returns once the command is really gone.
    }, timeoutMs);
    child.once('error', () => settle({ ok: false, error: 'failed' }));
    child.once('exit', (code) => {
      if (timedOut) settle({ ok: false, error: 'timeout' });
      else settle({ ok: code === 0, latencyMs: performance.now() - t0 });
    });
  });
}
