/**
 * Processes an agent never signals, whatever it is asked: a `process.pause` of the agent itself
 * (or of a process it waits on) would freeze it, and then neither its lease nor a hard deadline
 * could fire again. Checked on the pid that is about to be signalled, just before the signal,
 * so a name, a pid and a pid file are held to the same rules. A refusal is
 * `SQUALL_TARGET_PROTECTED` with the rule that refused it.
 *
 * Refused, always: pids ≤ 1 (init; to kill(2), 0 and -1 mean "my process group" and "every
 * process"), the agent itself, each of its ancestors, and kernel threads. Refused by default
 * (the list is the policy's `protectedProcesses`): processes named `sshd` or `squall-agent`
 * (the title every agent sets), processes of the units listed, and — for the gRPC agent —
 * processes of its own systemd unit other than its own children.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { SquallError } from '../../engine/core/errors.js';
import { type ProcStat, procStat } from '../../engine/core/processes.js';

export interface ProcessProtection {
  /** Process names (`/proc/<pid>/comm`, or the basename of `/proc/<pid>/exe`) never signalled. */
  names: readonly string[];
  /** systemd units (`sshd.service`, `session-3.scope`) whose processes are never signalled. */
  units: readonly string[];
}

/** The process title `squall agent` sets, so one agent never freezes another. */
export const AGENT_PROCESS_TITLE = 'squall-agent';

export const DEFAULT_PROCESS_PROTECTION: ProcessProtection = {
  names: ['sshd', AGENT_PROCESS_TITLE],
  units: [],
};

export interface ProcessGuard {
  /** Throws SQUALL_TARGET_PROTECTED (or SQUALL_TARGET_NOT_FOUND) unless `pid` may be signalled. */
  assertMaySignal(pid: number, label: string): void;
}

/** Linux's PF_KTHREAD (include/linux/sched.h): the task is a kernel thread. */
const PF_KTHREAD = 0x0020_0000;
/** kthreadd, the parent of every kernel thread. */
const KTHREADD_PID = 2;
/** Bounds the ancestor walk (a pid chain is never this long; a loop in /proc cannot hang us). */
const MAX_DEPTH = 4096;

/**
 * `ownUnit`: also refuse the other processes of the caller's own systemd unit. The gRPC agent
 * does (it runs as a service; its unit is its own); the runner's in-process agent does not: a
 * CI job's runner shares its unit with the services the job started for it to test.
 */
export function createProcessGuard(
  protection: ProcessProtection = DEFAULT_PROCESS_PROTECTION,
  options: { ownUnit?: boolean } = {},
): ProcessGuard {
  return {
    assertMaySignal(pid, label) {
      const refuse = (why: string) =>
        new SquallError(
          'SQUALL_TARGET_PROTECTED',
          `${label} is ${why}; the agent never signals it, so nothing was done`,
        );
      if (!Number.isInteger(pid) || pid <= 1) {
        throw refuse(
          pid === 1
            ? 'init (pid 1)'
            : "not one process (to kill(2), pid 0 is the agent's process group and -1 every process)",
        );
      }
      const self = process.pid;
      if (pid === self) throw refuse('this agent itself: it would freeze and revert nothing');
      const stat = procStat(pid);
      if (!stat || stat.state === 'Z' || stat.state === 'X') {
        throw new SquallError('SQUALL_TARGET_NOT_FOUND', `no running process with pid ${pid} (${label})`);
      }
      const line = ancestry(self);
      const depth = line.findIndex((a) => a.pid === pid);
      if (depth >= 0) {
        throw refuse(
          `${depth === 0 ? 'the parent' : `an ancestor (${depth + 1} levels up)`} of this agent (pid ${pid}, ${stat.comm}): stopping it can stop the agent`,
        );
      }
      if ((stat.flags & PF_KTHREAD) !== 0 || pid === KTHREADD_PID || stat.ppid === KTHREADD_PID) {
        throw refuse(`a kernel thread (pid ${pid}, ${stat.comm})`);
      }
      const name = [stat.comm, exeName(pid)].find((n) => n && protection.names.includes(n));
      if (name) {
        throw refuse(
          `a protected process (pid ${pid}, '${name}'; protectedProcesses.names: ${protection.names.join(', ')})`,
        );
      }
      const unit = unitOf(pid);
      if (unit === undefined) return;
      if (protection.units.includes(unit)) {
        throw refuse(
          `in a protected systemd unit (pid ${pid}, ${unit}; protectedProcesses.units: ${protection.units.join(', ')})`,
        );
      }
      // The agent's own unit, minus its own children (managed processes start inside it).
      if (options.ownUnit && unit === unitOf(self) && !descendsFrom(pid, self)) {
        throw refuse(`in this agent's own systemd unit (pid ${pid}, ${unit})`);
      }
    },
  };
}

/** The parent, grandparent, ... of `pid`, nearest first, down to (not including) pid 1. */
function ancestry(pid: number): { pid: number; stat: ProcStat }[] {
  const line: { pid: number; stat: ProcStat }[] = [];
  let at = procStat(pid)?.ppid ?? 0;
  while (at > 1 && line.length < MAX_DEPTH) {
    const stat = procStat(at);
    if (!stat) break;
    line.push({ pid: at, stat });
    at = stat.ppid;
  }
  return line;
}

function descendsFrom(pid: number, ancestor: number): boolean {
  return ancestry(pid).some((a) => a.pid === ancestor);
}

function exeName(pid: number): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`)).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined; // kernel threads have none; other users' processes need CAP_SYS_PTRACE
  }
}

/**
 * The systemd unit a process runs in: the last `.service` or `.scope` component of its cgroup
 * path (the unified hierarchy's `0::` line, else the v1 `name=systemd` one); undefined outside
 * systemd.
 */
function unitOf(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pathOf = (prefix: RegExp) => lines.find((l) => prefix.test(l))?.replace(prefix, '');
  for (const path of [pathOf(/^0::/), pathOf(/^\d+:name=systemd:/)]) {
    const unit = path
      ?.split('/')
      .filter((part) => /\.(service|scope)$/.test(part))
      .pop();
    if (unit) return unit;
  }
  return undefined;
}
