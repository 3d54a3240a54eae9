/**
 * Reading process state from Linux procfs, so process faults verify their effect instead of
 * trusting that a signal was delivered. proc(5): /proc/<pid>/stat, /proc/<pid>/cmdline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { DriverPrivileges } from '../../engine/core/faults.js';

/**
 * Signalling a process of another user (a pid or pid file on the host): CAP_KILL, and the host's
 * pid namespace to see it at all. The agent's own managed processes need neither.
 */
export const SIGNAL_PRIVILEGES: DriverPrivileges = { capabilities: ['KILL'], hostNamespaces: ['pid'] };

/** What Squall reads of /proc/<pid>/stat (proc(5)): the fields that identify and classify a process. */
export interface ProcStat {
  /** Field 2, without its parentheses; the kernel truncates it to 15 bytes. */
  comm: string;
  /** Field 3: `R` running, `S` sleeping, `T` stopped, `t` traced, `Z` zombie, ... */
  state: string;
  /** Field 4. */
  ppid: number;
  /** Field 9: the kernel's PF_* flags (PF_KTHREAD marks a kernel thread). */
  flags: number;
  /**
   * Field 22: when the process started, in clock ticks after boot. With the pid it names one
   * process for the life of the machine: a reused pid has a later start time.
   */
  startTime: number;
}

/** /proc/<pid>/stat, parsed; undefined when there is no such process (or it cannot be read). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may itself hold spaces and ')', so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const rest = stat.slice(close + 2).split(' ');
  if (close < 0 || rest.length < 20) return undefined;
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: rest[0]!,
    ppid: Number(rest[1]),
    flags: Number(rest[6]),
    startTime: Number(rest[19]),
  };
}

/**
 * The one-letter state from /proc/<pid>/stat (`R` running, `S` sleeping, `T` stopped, `t` traced,
 * `Z` zombie, ...), or undefined when there is no such process.
 */
export function procState(pid: number): string | undefined {
  return procStat(pid)?.state;
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
