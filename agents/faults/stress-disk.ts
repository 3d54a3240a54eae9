/**
 * `stress.disk`: fill a filesystem by writing a file `squall-fill-<faultId>` of `size` bytes in
 * `path`. Capped: the fill never leaves less than `keepFree` of the filesystem free. The file
 * name is derived from the fault id, so ledger recovery deletes exactly it.
 */
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { shellQuote } from '../../engine/core/escape.js';
import { defineFaultDriver, type FaultContext, type FilesystemSize } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';
import { statFilesystem } from './capacity.js';
import { formatBytes, requireSelf, Size } from './stress.js';

const CHUNK_BYTES = 8 * 1024 * 1024;
/** The least free share a fill may leave (ext4 reserves 5% for root; the agent runs as root). */
const MIN_KEEP_FREE = 0.05;

/** Bytes the fill may take: what is free minus the share that must stay free. */
const fillCap = (fs: FilesystemSize, keepFree: number) => fs.freeBytes - fs.totalBytes * keepFree;

const Params = z.strictObject({
  size: Size,
  /** An existing directory on the filesystem to fill (absolute). */
  path: z.string().refine(isAbsolute, 'expected an absolute directory path'),
  /** Share of the filesystem that must stay free after the fill; never below 5%. */
  keepFree: Percent.prefault('10%').refine((share) => share >= MIN_KEEP_FREE, {
    error: `must be at least ${MIN_KEEP_FREE * 100}%: a full filesystem takes down more than the target`,
  }),
});

const fileOf = (ctx: FaultContext, dir: string) => join(dir, `squall-fill-${ctx.faultId}`);

export const stressDisk = defineFaultDriver({
  name: 'stress.disk',
  summary: 'Fill a filesystem with a file of size bytes, never below keepFree free space.',
  params: Params,
  targets: ['host'],
  capacityPaths: (p) => [p.path],
  // A path that does not exist yet may be made by the run; inject checks it then.
  checkCapacity(p, host) {
    const fs = host.filesystem(p.path);
    if (!fs || p.size <= fillCap(fs, p.keepFree)) return [];
    return [{ param: 'size', message: `${capText(p, fs)} on ${host.name}` }];
  },
  async inject(ctx, p) {
    requireSelf(ctx, 'stress.disk');
    const fs = statFilesystem(p.path);
    if (!fs) throw new Error(`stress.disk: ${p.path} does not exist`);
    if (p.size > fillCap(fs, p.keepFree)) throw new Error(`stress.disk: ${capText(p, fs)}`);
    const file = fileOf(ctx, p.path);
    // O_EXCL: never overwrite someone's file.
    const handle = await open(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    try {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, p.size), 0x5a);
      for (let written = 0; written < p.size; ) {
        const n = Math.min(chunk.length, p.size - written);
        await handle.write(chunk, 0, n);
        written += n;
      }
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(file, { force: true });
      throw err;
    }
    await handle.close();
    ctx.log(`stress.disk: wrote ${formatBytes(p.size)} to ${file}`);
    return {
      where: `file ${file} (${formatBytes(p.size)})`,
      removeCommand: shellQuote(['rm', '-f', '--', file]),
      revert: () => rm(file, { force: true }),
    };
  },
  recover: (ctx, p) => rm(fileOf(ctx, p.path), { force: true }),
});

function capText(p: z.output<typeof Params>, fs: FilesystemSize): string {
  const cap = Math.max(0, fillCap(fs, p.keepFree));
  return `${formatBytes(p.size)} exceeds the cap ${formatBytes(cap)} on ${p.path} (${formatBytes(fs.freeBytes)} free, ${(p.keepFree * 100).toFixed(0)}% must stay free)`;
}
