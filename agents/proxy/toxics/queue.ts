/**
 * A timed release queue shared by toxics that hold data (bandwidth, slicer, slow_close): items
 * go out in order, each no earlier than its time; `flush` hands everything over at once.
 */
import type { Chunk, StageOutput } from '../toxic.js';

type Item = { chunk: Chunk; atMs: number } | { end: true; atMs: number };

export class ReleaseQueue {
  readonly #items: Item[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastMs = 0;

  constructor(private readonly out: StageOutput) {}

  /** The release time of the last item queued (or 0). */
  get lastMs(): number {
    return this.#lastMs;
  }

  push(chunk: Chunk, atMs: number): void {
    this.#lastMs = Math.max(atMs, this.#lastMs);
    this.#items.push({ chunk, atMs: this.#lastMs });
    this.#schedule();
  }

  end(atMs: number): void {
    this.#lastMs = Math.max(atMs, this.#lastMs);
    this.#items.push({ end: true, atMs: this.#lastMs });
    this.#schedule();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const item of this.#items.splice(0)) this.#emit(item);
  }

  #emit(item: Item): void {
    if ('end' in item) this.out.end();
    else this.out.push({ data: item.chunk.data, arrivedAtMs: item.atMs });
  }

  #schedule(): void {
    if (this.#timer || this.#items.length === 0) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        const now = performance.now();
        while (this.#items.length > 0 && this.#items[0]!.atMs <= now + 0.5) this.#emit(this.#items.shift()!);
        this.#schedule();
      },
      Math.max(0, this.#items[0]!.atMs - performance.now()),
    );
  }
}
