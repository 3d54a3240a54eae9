/**
 * What `process.kill` and `process.terminate` share: signal the target, wait until it has
 * exited, and on revert start a managed process again (a bare pid or pid file has nothing to
 * restart from, so its revert only logs).
 */

import { shellQuote } from '../../engine/core/escape.js';
import type { ActiveFault, FaultContext } from '../../engine/core/faults.js';
import { hasExited } from '../../engine/core/processes.js';
import { waitUntil } from '../../engine/core/wait.js';

export interface ExitFaultParams {
  signal: NodeJS.Signals;
  /** Restart a managed process on revert (default true); false leaves it dead until rollback ends. */
  restart: boolean;
  /** How long inject waits for the process to be gone after the signal. */
  exitTimeoutMs: number;
}

export async function injectExit(ctx: FaultContext, params: ExitFaultParams): Promise<ActiveFault> {
  const proc = ctx.resolveProcess(ctx.target);
  const pid = proc.pid();
  if (pid === undefined) throw new Error(`process '${proc.name}' is not running`);
  // Only a target named from system.processes has an argv and a supervisor to restart it with.
  const managed = ctx.target.process !== undefined;
  const restarts = managed && params.restart;
  const label = managed ? `process '${proc.name}' pid ${pid}` : `pid ${pid}`;
  ctx.assertMaySignal(pid, label);

  process.kill(pid, params.signal);
  if (await waitUntil(() => hasExited(pid), { timeoutMs: params.exitTimeoutMs })) {
    ctx.log(`pid ${pid} exited after ${params.signal}`);
  } else {
    // Not an injection failure: the signal was delivered and the process chose to handle it.
    ctx.log(`pid ${pid} still running ${params.exitTimeoutMs}ms after ${params.signal}`);
  }

  return {
    where: `${label} (${params.signal}${restarts ? ', restarted on revert' : ''})`,
    removeCommand: restarts
      ? `${shellQuote(proc.argv)}  # start '${proc.name}' again`
      : `true  # nothing to revert: ${label} got ${params.signal}${managed ? ' (restart: false)' : ' and is not managed by squall'}`,
    async revert() {
      if (!restarts) {
        ctx.log(`${label}: nothing to restart (${managed ? 'restart: false' : 'not a managed process'})`);
        return;
      }
      await proc.restart();
      ctx.log(`restarted '${proc.name}' as pid ${proc.pid()}`);
    },
  };
}
