/**
 * What a host has (cores, memory, the size of a filesystem), so a driver can refuse params that
 * ask for more before anything runs: `squall validate` checks faults on the local agent against
 * this machine, `squall run` checks faults on a remote agent against what that agent reported in
 * Hello, before the first injection. The drivers still check free memory and free disk at
 * inject time: those change by the minute.
 */
import { statfsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { isAbsolute } from 'node:path';
import type { FilesystemSize, HostCapacity } from '../../engine/core/faults.js';

/** statfs of `path`, or undefined when it does not exist (or is not absolute). */
export function statFilesystem(path: string): FilesystemSize | undefined {
  if (!isAbsolute(path)) return undefined;
  try {
    const fs = statfsSync(path);
    return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  } catch {
    return undefined;
  }
}

/** This machine: where the local agent runs. */
export function localCapacity(): HostCapacity {
  return {
    name: 'this machine',
    cpus: availableParallelism(),
    totalMemoryBytes: totalmem(),
    filesystem: statFilesystem,
  };
}

/** Bytes as people read them in a cap message: `512 MiB`, `7.8 GiB`. */
export function formatCapacityBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
