/**
 * The testbed's child processes: stopping one, and telling whether one is still there. A child
 * killed by a fault is a zombie until Node reaps it and emits 'exit'; for a fault target it is
 * gone already, and a restart must wait for that exit before it launches the next one.
 */
import type { ChildProcess } from 'node:child_process';
import { procState } from '../agents/faults/proc.js';

/**
 * Sends `signal` and waits for the exit; SIGKILL after `graceMs` for a child that ignores it
 * (a paused process ignores SIGTERM until continued; a broker can hang saving state).
 */
export async function stopChild(proc: ChildProcess, signal: NodeJS.Signals, graceMs = 3000): Promise<void> {
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Running, and not a zombie its parent has yet to reap (signal 0 succeeds on those). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return procState(pid) !== 'Z'; // undefined without /proc: signal 0 is all we have
}

/** Node has not seen this child exit yet. */
export function notExited(proc: ChildProcess | undefined): proc is ChildProcess {
  return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
}

/** The child's PID while it really runs (not while it is a zombie awaiting its 'exit'). */
export function livePid(proc: ChildProcess | undefined): number | undefined {
  return notExited(proc) && isAlive(proc.pid) ? proc.pid : undefined;
}

/** Resolves once Node has seen the exit of a child that is dead but not yet reaped; at once otherwise. */
export async function reaped(proc: ChildProcess | undefined): Promise<void> {
  if (notExited(proc) && !isAlive(proc.pid)) await new Promise((r) => proc.once('exit', r));
}
