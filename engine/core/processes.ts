/**
 * Processes, from Linux procfs (proc(5): /proc/<pid>/stat, /proc/<pid>/cmdline) and from Node's
 * view of its children, so faults verify their effect instead of trusting that a signal was
 * delivered, and the testbed knows when a child it killed is really gone.
 *
 * "Is it alive?" has three answers here, because callers need three:
 * - `pidExists`: the kernel still has the pid (a zombie, or another user's process, counts) —
 *   whether a pid from a state file may still be ours to clean up.
 * - `isRunning`: it exists and is not a zombie — it still does work; a zombie is dying.
 * - `hasExited`: it is fully gone, sockets and files closed — a killed target no longer holds
 *   its port. A zombie leader whose other threads are still exiting has not exited yet.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** The argv a process was started with, from /proc/<pid>/cmdline; empty when unreadable. */
export function procArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Stopped by a signal (SIGSTOP and the like) or by a tracer. */
export function isStopped(pid: number): boolean {
  const state = procState(pid);
  return state === 'T' || state === 't';
}

/**
 * The kernel still has `pid`: signal 0 reaches it, or is refused (EPERM: someone else's).
 * A zombie counts; use it to decide whether a recorded pid may still need cleaning up.
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Running, and not a zombie its parent has yet to reap (signal 0 succeeds on those). */
export function isRunning(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return procState(pid) !== 'Z'; // undefined without /proc: signal 0 is all we have
}

/**
 * Fully exited. A zombie leader is not enough: in a multithreaded process (node) the leader
 * turns `Z` while other threads are still exiting and its sockets are still open; each thread
 * leaves /proc/<pid>/task only after closing its files, so the process is gone once the zombie
 * leader is its last task.
 */
export function hasExited(pid: number): boolean {
  const state = procState(pid);
  if (state === undefined) return true;
  if (state !== 'Z' && state !== 'X') return false;
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1;
  } catch {
    return true;
  }
}

/** Node has not seen this child exit yet. */
export function notExited(proc: ChildProcess | undefined): proc is ChildProcess {
  return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
}

/** The child's PID while it really runs (not while it is a zombie awaiting its 'exit'). */
export function livePid(proc: ChildProcess | undefined): number | undefined {
  return notExited(proc) && isRunning(proc.pid) ? proc.pid : undefined;
}

/**
 * Resolves once Node has seen the exit of a child that is dead but not yet reaped; at once
 * otherwise. A child killed by a fault is a zombie until Node reaps it and emits 'exit'; a
 * restart must wait for that before it launches the next one.
 */
export async function reaped(proc: ChildProcess | undefined): Promise<void> {
  if (notExited(proc) && !isRunning(proc.pid)) await new Promise((r) => proc.once('exit', r));
}

export interface StopOptions {
  /** The signal that asks it to stop; default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long it may take to exit before SIGKILL; default 3000 ms. */
  graceMs?: number;
  /** SIGCONT first: a paused (SIGSTOP) process acts on no other signal until it is continued. */
  continueFirst?: boolean;
  /** Told when the grace ran out, just before the SIGKILL. */
  onEscalate?: () => void;
}

/**
 * Stops a child and resolves once Node has seen it exit; SIGKILL after the grace for one that
 * ignores the signal (a paused process until continued, a broker hanging while it saves state).
 * At once for a child that has already exited.
 */
export async function stopChild(proc: ChildProcess, options: StopOptions = {}): Promise<void> {
  if (!notExited(proc)) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  if (options.continueFirst) signalChild(proc, 'SIGCONT');
  signalChild(proc, options.signal ?? 'SIGTERM');
  const timer = setTimeout(() => {
    options.onEscalate?.();
    signalChild(proc, 'SIGKILL');
  }, options.graceMs ?? 3000);
  await exited;
  clearTimeout(timer);
}

function signalChild(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    proc.kill(signal);
  } catch {
    // Already gone between the check and the signal: nothing to signal.
  }
}
