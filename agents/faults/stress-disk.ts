/**
 * `stress.disk`: fill a filesystem by writing a file `squall-fill-<faultId>` of `size` bytes in
 * `path`. Capped: the fill never leaves less than `keepFree` of the filesystem free. The file
 * name is derived from the fault id, so ledger recovery deletes exactly it.
 */
import { constants, existsSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { Percent } from '../../engine/spec/schema.js';
import { defineFaultDriver, type FaultContext } from './driver.js';
import { shellQuote } from './proc.js';
import { formatBytes, requireSelf, Size } from './stress.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

const Params = z.strictObject({
  size: Size,
  /** An existing directory on the filesystem to fill (absolute). */
  path: z.string().refine(isAbsolute, 'expected an absolute directory path'),
  /** Share of the filesystem that must stay free after the fill. */
  keepFree: Percent.prefault('10%'),
});

const fileOf = (ctx: FaultContext, dir: string) => join(dir, `squall-fill-${ctx.faultId}`);

export const stressDisk = defineFaultDriver({
  name: 'stress.disk',
  summary: 'Fill a filesystem with a file of size bytes, never below keepFree free space.',
  params: Params,
  targets: ['host'],
  async inject(ctx, p) {
    requireSelf(ctx, 'stress.disk');
    if (!existsSync(p.path)) throw new Error(`stress.disk: ${p.path} does not exist`);
    const fs = statfsSync(p.path);
    const total = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    const cap = free - total * p.keepFree;
    if (p.size > cap) {
      throw new Error(
        `stress.disk: ${formatBytes(p.size)} exceeds the cap ${formatBytes(Math.max(0, cap))} on ${p.path} (${formatBytes(free)} free, ${(p.keepFree * 100).toFixed(0)}% must stay free)`,
      );
    }
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
