/**
 * Files and directories of a run are private to the user who ran it: directories 0700, files
 * 0600 (docs/security.md). A journal and its reports say which hosts were faulted, how,
 * and what the services answered; managed processes' logs hold whatever those processes print.
 * Modes are set explicitly (not left to the umask), and re-set on a file that already existed.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and any missing parents, 0700. A directory that already exists is left as it is. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Writes `data` to `path`, mode 0600 also when the file existed before. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}
