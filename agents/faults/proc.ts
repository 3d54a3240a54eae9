/**
 * Reading process state from Linux procfs, so process faults verify their effect instead of
 * trusting that a signal was delivered. proc(5): /proc/<pid>/stat, /proc/<pid>/cmdline.
 */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The one-letter state from /proc/<pid>/stat (`R` running, `S` sleeping, `T` stopped, `t` traced,
 * `Z` zombie, ...), or undefined when there is no such process.
 */
export function procState(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may itself hold spaces and ')', so split after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
}

/**
 * True until the process has fully exited. A zombie leader is not enough: in a multithreaded
 * process (node) the leader turns `Z` while other threads are still exiting and its sockets are
 * still open; each thread leaves /proc/<pid>/task only after closing its files, so the process
 * is gone once the zombie leader is its last task.
 */
export function isAlive(pid: number): boolean {
  const state = procState(pid);
  if (state === undefined) return false;
  if (state !== 'Z' && state !== 'X') return true;
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

export function isStopped(pid: number): boolean {
  const state = procState(pid);
  return state === 'T' || state === 't';
}

/** The argv a process was started with, from /proc/<pid>/cmdline; empty when unreadable. */
export function procArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Polls `check` every `intervalMs` until it holds; resolves false when `timeoutMs` passes first. */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}

/** An argv as a shell command line for humans to copy (quoted, never executed by Squall). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
