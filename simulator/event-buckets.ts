/**
 * Counts of a few events (connect attempts, CONNACKs) in fixed time buckets (100 ms), so a
 * reconnect herd's peak shows at a finer grain than the 1 s metric series. Buckets are keyed
 * by `floor(epoch ms / bucketMs)`: shards on one host share the clock (clock.ts), so the
 * parent merges their buckets by key.
 */
const EVENT_KINDS = ['attempts', 'connacks'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export const EVENT = { attempts: 0, connacks: 1 } as const satisfies Record<EventKind, number>;

export const EVENT_BUCKET_MS = 100;

export class EventBuckets {
  readonly bucketMs: number;
  #bucket = -1;
  readonly #counts = new Float64Array(EVENT_KINDS.length);
  /** Closed buckets, flat: key, then one count per kind. */
  #closed: number[] = [];

  constructor(bucketMs = EVENT_BUCKET_MS) {
    this.bucketMs = bucketMs;
  }

  add(kind: number, nowMs: number): void {
    const bucket = Math.floor(nowMs / this.bucketMs);
    if (bucket !== this.#bucket) this.#close(bucket);
    this.#counts[kind]!++;
  }

  /** Buckets counted since the last drain (the open one too; a later part of it comes again). */
  drain(): number[] {
    this.#close(this.#bucket);
    const out = this.#closed;
    this.#closed = [];
    return out;
  }

  #close(next: number): void {
    if (this.#counts.some((c) => c > 0)) this.#closed.push(this.#bucket, ...this.#counts);
    this.#counts.fill(0);
    this.#bucket = next;
  }
}

/** Merges drained buckets (from any number of engines) by key. */
export class EventSeries {
  readonly bucketMs: number;
  readonly #byKey = new Map<number, Float64Array>();

  constructor(bucketMs = EVENT_BUCKET_MS) {
    this.bucketMs = bucketMs;
  }

  merge(flat: readonly number[]): void {
    const width = 1 + EVENT_KINDS.length;
    for (let i = 0; i + width <= flat.length; i += width) {
      const key = flat[i]!;
      let counts = this.#byKey.get(key);
      if (!counts) {
        counts = new Float64Array(EVENT_KINDS.length);
        this.#byKey.set(key, counts);
      }
      for (let k = 0; k < EVENT_KINDS.length; k++) counts[k] = counts[k]! + flat[i + 1 + k]!;
    }
  }

  /** Buckets in time order; `atMs` is the bucket's start (epoch ms). */
  series(): Array<{ atMs: number } & Record<EventKind, number>> {
    return [...this.#byKey.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([key, c]) => ({
        atMs: key * this.bucketMs,
        attempts: c[EVENT.attempts]!,
        connacks: c[EVENT.connacks]!,
      }));
  }
}
