/**
 * What a live run knows about itself that its journal does not say: the experiment file's
 * hash (the file may change after the run), the git commit it was run from, and who ran it.
 * Each is best effort: null when it cannot be told, never a reason to stop.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

export function fileSha256(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/** HEAD of the repository holding `file`; null outside one, or without git. */
export function gitCommitOf(file: string): string | null {
  try {
    const out = execFileSync('git', ['-C', dirname(file), 'rev-parse', '--verify', '--quiet', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

/** The user name from the environment the command was given, else the process's. */
export function userName(env: Readonly<Record<string, string | undefined>>): string | null {
  const named = env.USER ?? env.LOGNAME;
  if (named) return named;
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}
