/**
 * Message counts dated by the message's send time, not by when they were counted: a reading
 * sent at 12.4 s belongs to the slice [12 s, 13 s) whether it arrives 5 ms or 5 s later, or
 * never (docs/measurement.md, "the dating rule"). Buckets are aligned to multiples of
 * `bucketMs` on the controller clock (epoch ms), the same grid the runner's slices use, so a
 * bucket *is* a slice.
 *
 * One tally counts a fixed list of counters per tenant. It is cheap on the hot path (a
 * publish or an arrival adds to the bucket it touched last, almost always the current one)
 * and drains to a plain wire form that crosses IPC and gRPC as JSON.
 */

/** Buckets since the last drain: `[bucketStartMs, values]`, values counter-major (`c * tenants + t`). */
export interface TallyWire {
  bucketMs: number;
  buckets: Array<[startMs: number, values: number[]]>;
}

export class DatedTally {
  readonly counters: readonly string[];
  readonly tenants: number;
  readonly bucketMs: number;
  #buckets = new Map<number, Float64Array>();
  #lastIndex = Number.NaN;
  #last: Float64Array | undefined;

  constructor(counters: readonly string[], tenants: number, bucketMs: number) {
    if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
    this.counters = counters;
    this.tenants = Math.max(1, tenants);
    this.bucketMs = bucketMs;
  }

  /** Adds `n` to counter `counter` (its position in `counters`) of `tenant`, dated `atMs`. */
  add(counter: number, tenant: number, atMs: number, n = 1): void {
    const index = Math.floor(atMs / this.bucketMs);
    let values = this.#last;
    if (index !== this.#lastIndex || !values) {
      values = this.#buckets.get(index);
      if (!values) {
        values = new Float64Array(this.counters.length * this.tenants);
        this.#buckets.set(index, values);
      }
      this.#lastIndex = index;
      this.#last = values;
    }
    const i = counter * this.tenants + tenant;
    values[i] = values[i]! + n;
  }

  /** Everything counted since the last drain, oldest bucket first; the tally is then empty. */
  drain(): TallyWire {
    const buckets: TallyWire['buckets'] = [...this.#buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, values]) => [index * this.bucketMs, Array.from(values)]);
    this.#buckets = new Map();
    this.#lastIndex = Number.NaN;
    this.#last = undefined;
    return { bucketMs: this.bucketMs, buckets };
  }

  /** Adds a drained tally of the same shape (a shard's, an agent's) into this one. */
  merge(wire: TallyWire): void {
    if (wire.bucketMs !== this.bucketMs)
      throw new RangeError(`cannot merge a ${wire.bucketMs} ms tally into a ${this.bucketMs} ms one`);
    const width = this.counters.length * this.tenants;
    for (const [startMs, values] of wire.buckets) {
      if (values.length !== width)
        throw new RangeError(`tally bucket has ${values.length} values, expected ${width}`);
      for (let i = 0; i < width; i++) {
        const v = values[i]!;
        if (v !== 0) this.add(Math.floor(i / this.tenants), i % this.tenants, startMs, v);
      }
    }
  }
}
