/** What the `squall fleet` tests give the command instead of a terminal, and how they catch its errors. */

import type { SquallError } from '../../core/errors.js';
import type { CliIO } from '../cli/command.js';

/** A non-TTY CliIO that keeps what the command writes. */
export function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = {
    stdout: { write: (c: string) => out.push(c), isTTY: false },
    stderr: { write: (c: string) => err.push(c) },
    cwd: process.cwd(),
    env: {},
  };
  return { cli, out, err };
}

/** The error `p` rejects with; throws when it resolves. */
export async function failure(p: Promise<unknown>): Promise<SquallError> {
  try {
    await p;
  } catch (e) {
    return e as SquallError;
  }
  throw new Error('expected a failure');
}
