/**
 * A fleet slice's dated tallies on their way to the delivery ledger (delivery-ledger.ts): what
 * a part of a split fleet hands up, and a queue that gathers the pieces arriving once a second
 * from an agent until the ledger takes them.
 */
import type { TallyWire } from './dated-tally.js';

/** A slice's dated tallies since the last drain. */
export interface RawTallies {
  sent: TallyWire;
  /** Every send before this (controller clock) is in `sent`. */
  sentThroughMs: number;
  /** Only on the slice that runs the sink. */
  arrivals?: TallyWire;
  sinkThroughMs?: number;
  /** Data-loss windows declared since the last drain, by the slice where each loss began. */
  lossSpans?: Array<[startMs: number, spanMs: number]>;
}

export class TallyQueue {
  #sent: TallyWire['buckets'] = [];
  #arrivals: TallyWire['buckets'] = [];
  #lossSpans: Array<[number, number]> = [];
  #bucketMs: number | undefined;
  #sentThroughMs = Number.NEGATIVE_INFINITY;
  #sinkThroughMs: number | undefined;

  push(raw: RawTallies): void {
    this.#bucketMs ??= raw.sent.bucketMs;
    this.#sent.push(...raw.sent.buckets);
    this.#sentThroughMs = Math.max(this.#sentThroughMs, raw.sentThroughMs);
    if (raw.arrivals) this.#arrivals.push(...raw.arrivals.buckets);
    if (raw.lossSpans) this.#lossSpans.push(...raw.lossSpans);
    if (raw.sinkThroughMs !== undefined)
      this.#sinkThroughMs = Math.max(this.#sinkThroughMs ?? Number.NEGATIVE_INFINITY, raw.sinkThroughMs);
  }

  /** Everything pushed since the last drain, with the latest watermarks; undefined before the first push. */
  drain(): RawTallies | undefined {
    if (this.#bucketMs === undefined) return undefined;
    const bucketMs = this.#bucketMs;
    const out: RawTallies = {
      sent: { bucketMs, buckets: this.#sent },
      sentThroughMs: this.#sentThroughMs,
      ...(this.#sinkThroughMs !== undefined && {
        arrivals: { bucketMs, buckets: this.#arrivals },
        sinkThroughMs: this.#sinkThroughMs,
        lossSpans: this.#lossSpans,
      }),
    };
    this.#sent = [];
    this.#arrivals = [];
    this.#lossSpans = [];
    return out;
  }
}
