/**
 * Reading a pid file for a fault target. The path comes from a controller, so the file may be
 * anything the agent (root) can open: /etc/shadow, a CA key, a FIFO that never answers,
 * /dev/zero. So: only a regular file, at most PID_FILE_MAX_BYTES read, and its contents never
 * appear in a message or a log (a refusal says what was expected instead).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { SquallError } from '../../engine/core/errors.js';

/** A pid file holds one decimal number and a newline: 64 bytes is generous. */
const PID_FILE_MAX_BYTES = 64;

const notFound = (message: string) => new SquallError('SQUALL_TARGET_NOT_FOUND', message);

/** The pid in `path`; SQUALL_TARGET_NOT_FOUND naming what was expected when it holds none. */
export function readPidFile(path: string): number {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below anyway).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw notFound(`cannot open pid file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notFound(`not a pid file: ${path} is not a regular file`);
    if (stat.size > PID_FILE_MAX_BYTES) {
      throw notFound(
        `not a pid file: ${path} is ${stat.size} bytes; expected one decimal number (a pid file is at most ${PID_FILE_MAX_BYTES} bytes)`,
      );
    }
    const buffer = Buffer.alloc(PID_FILE_MAX_BYTES);
    const length = readSync(fd, buffer, 0, PID_FILE_MAX_BYTES, 0);
    const match = /^\s*(\d{1,10})\s*$/.exec(buffer.toString('latin1', 0, length));
    const pid = match ? Number(match[1]) : Number.NaN;
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw notFound(`not a pid file: ${path} does not hold one decimal number (its contents are not shown)`);
    }
    return pid;
  } finally {
    closeSync(fd);
  }
}
