/**
 * `process.pause`: SIGSTOP freezes the process (it keeps its sockets, so peers see a hung
 * server, not a closed one); revert sends SIGCONT and checks /proc that it really runs again.
 * Only the target pid is stopped, not its children.
 */
import { z } from 'zod';
import { defineFaultDriver } from './driver.js';
import { isStopped, procState, waitFor } from './proc.js';

/** Stopping and continuing take effect within a scheduler tick; a second is generous. */
const STATE_CHANGE_TIMEOUT_MS = 2000;

export const processPause = defineFaultDriver({
  name: 'process.pause',
  summary: 'Freeze a process with SIGSTOP; SIGCONT when the fault ends.',
  params: z.strictObject({}),
  targets: ['process', 'pid', 'pidFile'],
  async inject(ctx) {
    const proc = ctx.resolveProcess(ctx.target);
    const pid = proc.pid();
    if (pid === undefined) throw new Error(`process '${proc.name}' is not running`);
    const label = ctx.target.process !== undefined ? `process '${proc.name}' pid ${pid}` : `pid ${pid}`;

    process.kill(pid, 'SIGSTOP');
    if (!(await waitFor(() => isStopped(pid), STATE_CHANGE_TIMEOUT_MS))) {
      // Do not leave a half-applied fault behind.
      process.kill(pid, 'SIGCONT');
      throw new Error(`${label} did not stop after SIGSTOP (state ${procState(pid) ?? 'gone'})`);
    }
    ctx.log(`${label} stopped (SIGSTOP)`);

    return {
      where: `${label} (SIGSTOP)`,
      removeCommand: `kill -CONT ${pid}`,
      async revert() {
        const state = procState(pid);
        if (state === undefined || state === 'Z') {
          ctx.log(`${label} is gone; nothing to resume`);
          return;
        }
        process.kill(pid, 'SIGCONT');
        if (!(await waitFor(() => !isStopped(pid), STATE_CHANGE_TIMEOUT_MS))) {
          throw new Error(`${label} is still stopped (state ${procState(pid)}) after SIGCONT`);
        }
        ctx.log(`${label} resumed (SIGCONT), state ${procState(pid)}`);
      },
    };
  },
  /** Ledger replay: a process the dead agent left stopped is continued. */
  async recover(ctx) {
    let pid: number | undefined;
    try {
      pid = ctx.resolveProcess(ctx.target).pid();
    } catch {
      return; // the process is gone: nothing is left stopped
    }
    if (pid === undefined || !isStopped(pid)) return;
    process.kill(pid, 'SIGCONT');
    if (!(await waitFor(() => !isStopped(pid), STATE_CHANGE_TIMEOUT_MS))) {
      throw new Error(`pid ${pid} is still stopped (state ${procState(pid)}) after SIGCONT`);
    }
    ctx.log(`pid ${pid} resumed (SIGCONT) after a previous agent died`);
  },
});
