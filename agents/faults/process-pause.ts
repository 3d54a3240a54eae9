/**
 * `process.pause`: SIGSTOP freezes the process (it keeps its sockets, so peers see a hung
 * server, not a closed one); revert sends SIGCONT and checks /proc that it really runs again.
 * Only the target pid is stopped, not its children.
 *
 * The ledger keeps the process's identity (pid and start time), written before the SIGSTOP:
 * a restarted agent resumes exactly that process, never whatever carries the name by then.
 */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { isStopped, procStat, procState } from '../../engine/core/processes.js';
import { waitUntil } from '../../engine/core/wait.js';

/** Stopping and continuing take effect within a scheduler tick; a second is generous. */
const STATE_CHANGE_TIMEOUT_MS = 2000;

/** What the ledger keeps of a paused process. */
interface PausedIdentity {
  pid: number;
  startTime: number;
  label: string;
}

/** Whether `pid` is still the process that was paused (not exited, not a reused pid). */
function sameProcess(identity: PausedIdentity): 'same' | 'gone' | 'other' {
  const stat = procStat(identity.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return 'gone';
  return stat.startTime === identity.startTime ? 'same' : 'other';
}

async function resume(pid: number): Promise<string> {
  process.kill(pid, 'SIGCONT');
  if (!(await waitUntil(() => !isStopped(pid), { timeoutMs: STATE_CHANGE_TIMEOUT_MS }))) {
    throw new Error(`pid ${pid} is still stopped (state ${procState(pid)}) after SIGCONT`);
  }
  return procState(pid) ?? 'gone';
}

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
    ctx.assertMaySignal(pid, label);
    const startTime = procStat(pid)?.startTime;
    if (startTime === undefined) throw new Error(`${label} exited before it could be paused`);
    const identity: PausedIdentity = { pid, startTime, label };
    ctx.record({ ...identity });

    process.kill(pid, 'SIGSTOP');
    if (!(await waitUntil(() => isStopped(pid), { timeoutMs: STATE_CHANGE_TIMEOUT_MS }))) {
      // Do not leave a half-applied fault behind.
      process.kill(pid, 'SIGCONT');
      throw new Error(`${label} did not stop after SIGSTOP (state ${procState(pid) ?? 'gone'})`);
    }
    ctx.log(`${label} stopped (SIGSTOP)`);

    return {
      where: `${label} (SIGSTOP)`,
      removeCommand: `kill -CONT ${pid}`,
      async revert() {
        if (sameProcess(identity) !== 'same') {
          ctx.log(`${label} is gone; nothing to resume`);
          return;
        }
        ctx.log(`${label} resumed (SIGCONT), state ${await resume(pid)}`);
      },
    };
  },
  /** Ledger replay: the process the dead agent stopped (same pid, same start time) is continued. */
  async recover(ctx) {
    const identity = ctx.recorded as PausedIdentity | undefined;
    if (identity?.pid === undefined || identity.startTime === undefined) {
      // inject records the identity before it sends SIGSTOP: without one, nothing was stopped.
      return 'nothing to resume: the previous agent had not stopped any process yet';
    }
    const { pid, label } = identity;
    switch (sameProcess(identity)) {
      case 'gone':
        return `${label} is gone (it exited, or died with the previous agent); nothing was left stopped`;
      case 'other':
        return `${label} is gone and pid ${pid} now belongs to another process (started later); left that one alone`;
      default:
        if (!isStopped(pid)) return `${label} is running again (someone continued it); nothing to resume`;
        return `${label} resumed (SIGCONT), state ${await resume(pid)}: the previous agent had left it stopped`;
    }
  },
});
