import type { ChildProcess } from 'node:child_process';

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
