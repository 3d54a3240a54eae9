/**
 * `process.restart`: stop a managed process and start it again at once, the way an operator's
 * `systemctl restart` or a crash-looping supervisor does: SIGTERM (or `signal`), SIGKILL after
 * `exitTimeout` if it is still there, then its own argv again, ready check included. The fault
 * is the restart itself, so it is instantaneous; its revert only makes sure the process runs.
 */
import { z } from 'zod';
import { shellQuote } from '../../engine/core/escape.js';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { hasExited } from '../../engine/core/processes.js';
import { Duration } from '../../engine/core/unit-schemas.js';
import { waitUntil } from '../../engine/core/wait.js';

const Params = z.strictObject({
  signal: z.enum(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGKILL']).default('SIGTERM'),
  /** How long a graceful stop may take before SIGKILL. */
  exitTimeout: Duration.prefault('10s'),
});

export const processRestart = defineFaultDriver({
  name: 'process.restart',
  summary: 'Restart a managed process: stop it (SIGTERM, then SIGKILL) and start it again at once.',
  params: Params,
  // Only a process from system.processes has an argv to start again.
  targets: ['process'],
  instantaneous: true,
  async inject(ctx, p) {
    const proc = ctx.resolveProcess(ctx.target);
    const pid = proc.pid();
    if (pid === undefined) throw new Error(`process '${proc.name}' is not running`);
    const label = `process '${proc.name}' pid ${pid}`;
    ctx.assertMaySignal(pid, label);
    process.kill(pid, p.signal);
    if (!(await waitUntil(() => hasExited(pid), { timeoutMs: p.exitTimeout }))) {
      ctx.log(`${label} still running ${p.exitTimeout}ms after ${p.signal}: SIGKILL`);
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => hasExited(pid), { timeoutMs: 5_000 });
    }
    await proc.restart();
    ctx.log(`restarted '${proc.name}': pid ${pid} → ${proc.pid()}`);
    return {
      where: `${label} (restarted with ${p.signal}, now pid ${proc.pid()})`,
      removeCommand: `${shellQuote(proc.argv)}  # start '${proc.name}' if it is not running`,
      async revert() {
        // The restart already happened; all that is left to undo is a process that died since.
        await proc.restart();
      },
    };
  },
});
