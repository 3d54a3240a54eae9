/**
 * Files in a machine-wide directory that several testbeds share (state files that `squall
 * testbed down` reads, lab owner markers). The directory goes when its last file does, so the
 * machine (or a test run) is left with nothing; a writer therefore makes the directory right
 * before writing, and again if another process removed it in between.
 */
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeInSharedDir(dir: string, name: string, text: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(path.join(dir, name), text);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
    }
  }
}

/** Removes the file, and the directory when it was the last (rmdir refuses a non-empty one). */
export async function removeFromSharedDir(dir: string, name: string): Promise<void> {
  await rm(path.join(dir, name), { force: true });
  await rmdir(dir).catch(() => undefined);
}
