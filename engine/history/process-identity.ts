/**
 * Telling whether the process that started a run is still that run's process. A pid alone is
 * not enough: after the run's process dies its pid can be given to another. So a run records
 * its pid with the process's start time (`/proc/<pid>/stat` field 22, clock ticks since boot,
 * with the boot's id: after a reboot the same ticks can come round again), and the process is
 * alive only while both still match. Where there is no /proc, `kill(pid, 0)` is all there is.
 */
import { readFileSync } from 'node:fs';
import { pidExists, procStat } from '../core/processes.js';

export interface ProcessIdentity {
  pid: number;
  /** `<boot id>:<start ticks>`; null where the system does not say. */
  start: string | null;
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

export function processIdentity(pid: number): ProcessIdentity {
  const stat = hasProc ? procStat(pid) : undefined;
  return { pid, start: stat ? `${bootId()}:${stat.startTime}` : null };
}

export function ownProcessIdentity(): ProcessIdentity {
  return processIdentity(process.pid);
}

/** Whether `identity` still names a live process: the same pid, started at the same time. */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  if (hasProc) {
    const stat = procStat(identity.pid);
    // A zombie has exited: only its parent has not collected it yet.
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return identity.start === null || identity.start === `${bootId()}:${stat.startTime}`;
  }
  return pidExists(identity.pid);
}
