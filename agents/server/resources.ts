/**
 * The host's resources as an agent reports them in Hello: cores, memory, and the size of the
 * filesystems the controller asks about (stress.disk's paths), so the controller refuses a
 * fault that asks for more than the host has before it injects anything (capacity.ts).
 */
import { availableParallelism, freemem, totalmem } from 'node:os';
import { statFilesystem } from '../faults/capacity.js';
import type { Resources } from '../proto/generated/squall/agent/v1/Resources.js';

/** Filesystems one Hello may ask about; more are ignored. */
const MAX_STATFS_PATHS = 16;
/** A path longer than this is not looked up (PATH_MAX). */
const MAX_PATH_CHARS = 4096;

export function hostResources(statfsPaths: readonly string[] = []): Resources {
  return {
    cpus: availableParallelism(),
    total_memory_bytes: totalmem(),
    free_memory_bytes: freemem(),
    filesystems: statfsPaths.slice(0, MAX_STATFS_PATHS).map((path) => {
      const fs = path.length <= MAX_PATH_CHARS ? statFilesystem(path) : undefined;
      return {
        path,
        exists: fs !== undefined,
        total_bytes: fs?.totalBytes ?? 0,
        free_bytes: fs?.freeBytes ?? 0,
      };
    }),
  };
}
