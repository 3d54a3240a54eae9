/**
 * Reads a file another process is still writing, line by line, as it grows (`tail -f`). Memory
 * stays bounded however long the file gets: it reads in fixed chunks and keeps only the part of
 * a line not yet terminated (k6 writes through a 4 KB buffer, so a chunk often ends mid-line).
 * A line longer than `maxLineBytes` is skipped whole and counted, not kept.
 */
import { type FileHandle, open } from 'node:fs/promises';

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

export class FileTail {
  readonly #path: string;
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  readonly #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #handle: FileHandle | undefined;
  #position = 0;
  /** The start of a line whose end has not been read yet. */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Inside an over-long line: drop bytes up to its end. */
  #skipping = false;
  /** Lines skipped for being longer than `maxLineBytes`. */
  oversized = 0;

  constructor(path: string, onLine: (line: string) => void, options: { maxLineBytes?: number } = {}) {
    this.#path = path;
    this.#onLine = onLine;
    this.#maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  }

  /** Bytes read so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * Reads what has been written since the last call and hands over every complete line.
   * Resolves with the bytes read; 0 while the file does not exist yet.
   */
  async read(): Promise<number> {
    if (!this.#handle) {
      try {
        this.#handle = await open(this.#path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw err;
      }
    }
    let total = 0;
    for (;;) {
      const { bytesRead } = await this.#handle.read(this.#chunk, 0, CHUNK_BYTES, this.#position);
      if (bytesRead === 0) return total;
      this.#position += bytesRead;
      total += bytesRead;
      this.#split(this.#chunk.subarray(0, bytesRead));
    }
  }

  /** Reads the rest, hands over a last line without its newline (a writer killed mid-line), closes. */
  async close(): Promise<void> {
    if (this.#handle) await this.read();
    if (this.#partialBytes > 0 && !this.#skipping)
      this.#onLine(Buffer.concat(this.#partial).toString('utf8'));
    this.#partial = [];
    this.#partialBytes = 0;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #split(bytes: Buffer): void {
    let from = 0;
    for (;;) {
      const at = bytes.indexOf(NEWLINE, from);
      if (at === -1) break;
      const piece = bytes.subarray(from, at);
      if (this.#skipping) this.#skipping = false;
      else if (this.#partialBytes + piece.length > this.#maxLineBytes) this.oversized++;
      else if (this.#partialBytes === 0) this.#onLine(piece.toString('utf8'));
      else this.#onLine(Buffer.concat([...this.#partial, piece]).toString('utf8'));
      this.#partial = [];
      this.#partialBytes = 0;
      from = at + 1;
    }
    const rest = bytes.subarray(from);
    if (rest.length === 0 || this.#skipping) return;
    if (this.#partialBytes + rest.length > this.#maxLineBytes) {
      // Counted now; nothing of it is kept, up to its newline.
      this.oversized++;
      this.#skipping = true;
      this.#partial = [];
      this.#partialBytes = 0;
      return;
    }
    // The chunk buffer is reused: keep a copy.
    this.#partial.push(Buffer.from(rest));
    this.#partialBytes += rest.length;
  }
}
