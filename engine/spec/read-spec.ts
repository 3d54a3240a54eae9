/**
 * Reading a spec file's text with its size capped and its encoding checked, before any YAML is
 * parsed: a 50 MB file is refused after reading 1 MiB (and a FIFO or /dev/zero, whose size
 * says nothing, the same way), and bytes that are not UTF-8 are an error at their line and
 * column instead of silently becoming U+FFFD. A leading byte order mark is dropped.
 */
import { open } from 'node:fs/promises';
import { SpecError } from '../core/errors.js';
import { DEFAULT_MAX_FILE_BYTES, formatByteLimit } from '../core/limits.js';

export type SpecFileKind = 'experiment' | 'suite' | 'notification config';

export interface ReadSpecOptions {
  /** Largest file accepted, in bytes; default DEFAULT_MAX_FILE_BYTES (1 MiB). */
  maxBytes?: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * A spec file's text. SpecError SQUALL_SPEC_UNREADABLE (at 1:1, named by `label`) when it
 * cannot be read; SQUALL_SPEC_INVALID when it is over the size cap or not UTF-8.
 */
export async function readSpecFile(
  path: string,
  label: string,
  what: SpecFileKind,
  options: ReadSpecOptions = {},
): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const bytes = await readCapped(path, maxBytes).catch((err: NodeJS.ErrnoException) => {
    throw new SpecError(
      [at(label, 1, 1, `cannot read the ${what} file: ${reasonOf(err)}`)],
      'SQUALL_SPEC_UNREADABLE',
    );
  });
  if (bytes === undefined) {
    throw new SpecError([
      at(
        label,
        1,
        1,
        `the ${what} file is larger than ${formatByteLimit(maxBytes)}; spec files are a few KB (raise the limit with --max-file-size if this one is meant)`,
      ),
    ]);
  }
  return decodeUtf8(bytes, label);
}

/** The file's bytes, or undefined when it holds more than `maxBytes` (reads at most one byte more). */
async function readCapped(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const handle = await open(path, 'r');
  try {
    if ((await handle.stat()).isDirectory())
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(CHUNK_BYTES, maxBytes + 1 - total);
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(want), 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) return undefined;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function reasonOf(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EISDIR') return 'it is a directory';
  if (err.code === 'EACCES') return 'permission denied';
  return err.message;
}

/** Strict UTF-8; the first invalid byte is reported where it sits. The BOM is dropped. */
export function decodeUtf8(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidByte(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset)).replace(/^\uFEFF/, '');
    const lines = before.split('\n');
    const hex = bytes[offset]!.toString(16).padStart(2, '0');
    return throwAt(
      at(
        label,
        lines.length,
        lines.at(-1)!.length + 1,
        `byte 0x${hex} is not UTF-8; spec files are UTF-8 text (re-save it as UTF-8)`,
      ),
    );
  }
}

/**
 * The offset of the first byte that makes `bytes` invalid UTF-8: the shortest prefix a streaming
 * decoder rejects (a streaming decode waits for an incomplete sequence at the end instead of
 * failing, so every shorter prefix decodes). Binary search, ~20 decodes for 1 MiB.
 */
function firstInvalidByte(bytes: Buffer): number {
  const rejects = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  // The whole buffer may decode as a stream and fail only at the end (a truncated sequence).
  if (!rejects(hi)) return lastLeadByte(bytes);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (rejects(mid)) hi = mid;
    else lo = mid;
  }
  // The decoder fails on the byte that breaks a sequence (`e2 41`: at the 41); the author needs
  // the sequence that was broken, so step back to its lead byte when there is one.
  return sequenceStart(bytes, hi - 1);
}

const isContinuation = (byte: number) => (byte & 0xc0) === 0x80;

/** Bytes a sequence with this lead byte takes: 2 for 0xC0–0xDF, 3 for 0xE0–0xEF, 4 above. */
const sequenceLength = (lead: number) => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2);

function sequenceStart(bytes: Buffer, offset: number): number {
  for (let i = offset - 1; i >= Math.max(0, offset - 3); i--) {
    const byte = bytes[i]!;
    if (byte >= 0xc0) return offset - i < sequenceLength(byte) ? i : offset;
    if (!isContinuation(byte)) break;
  }
  return offset;
}

/** Where a multi-byte sequence cut off by the end of the file starts. */
function lastLeadByte(bytes: Buffer): number {
  let i = bytes.length - 1;
  while (i > 0 && isContinuation(bytes[i]!)) i--;
  return i;
}

function at(file: string, line: number, col: number, message: string) {
  return { file, line, col, path: '', message };
}

function throwAt(issue: ReturnType<typeof at>): never {
  throw new SpecError([issue]);
}
