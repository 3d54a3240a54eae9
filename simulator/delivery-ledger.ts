/**
 * The fleet's delivery ledger: what the devices sent and what the sink received, both dated by
 * the message's send time (dated-tally.ts), settled bucket by bucket into the message counts
 * the runner scores. For every bucket (one slice of the controller's grid):
 *
 *   expected = telemetry slots the devices used (a seq each: published, or dropped while
 *              offline or under back-pressure);
 *   delivered = distinct messages of the bucket the sink received before the bucket was final;
 *   lost = expected − delivered, once final; late = first copies that arrived after that.
 *
 * A bucket is **final** when the devices' counts are in for it (`sentThroughMs` ≥ its end) and
 * either everything it expected was delivered, or the sink's grace has passed since its end
 * (`sinkThroughMs` ≥ end + grace). Buckets become final in order, so "final through T" is one
 * number: a guard or the live view reads every slice before T as settled and none after it.
 * Counts are handed out once, when final, so a ratio over any window compares like with like;
 * duplicates and late copies that arrive afterwards are handed out as amendments to their
 * (already final) bucket.
 */
import type { DatedCounters } from '../engine/core/metrics.js';
import { tenantKey } from '../engine/core/metrics.js';
import type { TallyWire } from './dated-tally.js';
import { DatedTally } from './dated-tally.js';

/** What devices count per bucket (by tenant). */
const SENT_COUNTERS = ['expected'] as const;
/** What the sink counts per bucket of the send time (by tenant). */
const ARRIVAL_COUNTERS = ['delivered', 'duplicates', 'out_of_order'] as const;
/** What the ledger hands out per final bucket. */
const LEDGER_COUNTERS = [
  'expected',
  'delivered',
  'lost',
  'duplicates',
  'out_of_order',
  'late',
  'unexpected',
] as const;
export type LedgerCounter = (typeof LEDGER_COUNTERS)[number];

export function sentTally(tenants: number, bucketMs: number): DatedTally {
  return new DatedTally(SENT_COUNTERS, tenants, bucketMs);
}

export function arrivalTally(tenants: number, bucketMs: number): DatedTally {
  return new DatedTally(ARRIVAL_COUNTERS, tenants, bucketMs);
}

export interface DeliveryLedgerOptions {
  tenants: readonly string[];
  bucketMs: number;
  graceMs: number;
}

interface OpenBucket {
  expected: Float64Array;
  delivered: Float64Array;
  duplicates: Float64Array;
  outOfOrder: Float64Array;
}

export class DeliveryLedger {
  readonly tenants: readonly string[];
  readonly bucketMs: number;
  readonly graceMs: number;
  /** The devices' counts are complete for sends before this (epoch ms). */
  sentThroughMs = Number.NEGATIVE_INFINITY;
  /** The sink's arrivals are complete up to this (epoch ms). */
  sinkThroughMs = Number.NEGATIVE_INFINITY;
  readonly #open = new Map<number, OpenBucket>();
  /** Index of the first bucket that is not final; undefined until the first watermark. */
  #frontier: number | undefined;
  #out: DatedCounters[] = [];
  readonly #totals: Float64Array;

  constructor(options: DeliveryLedgerOptions) {
    this.tenants = options.tenants.length ? options.tenants : ['default'];
    this.bucketMs = options.bucketMs;
    this.graceMs = options.graceMs;
    this.#totals = new Float64Array(LEDGER_COUNTERS.length * this.tenants.length);
  }

  /** Sends counted by devices (a `sentTally` drained). */
  addSent(wire: TallyWire): void {
    this.#check(wire);
    for (const [startMs, values] of wire.buckets) {
      const index = Math.floor(startMs / this.bucketMs);
      if (this.#isFinal(index)) {
        // Reported after its bucket was settled (should not happen: the watermark says the
        // devices' counts were in). Never delivered in time, so lost.
        this.#amend(startMs, { expected: values, lost: values });
        continue;
      }
      const b = this.#bucket(index);
      for (let t = 0; t < this.tenants.length; t++) b.expected[t] = b.expected[t]! + values[t]!;
    }
  }

  /** Arrivals counted by the sink (an `arrivalTally` drained). */
  addArrivals(wire: TallyWire): void {
    this.#check(wire);
    const n = this.tenants.length;
    for (const [startMs, values] of wire.buckets) {
      const index = Math.floor(startMs / this.bucketMs);
      const delivered = values.slice(0, n);
      const duplicates = values.slice(n, 2 * n);
      const outOfOrder = values.slice(2 * n, 3 * n);
      if (this.#isFinal(index)) {
        // A first copy after its bucket was settled is late, not delivered (it was counted lost).
        this.#amend(startMs, { late: delivered, duplicates });
        continue;
      }
      const b = this.#bucket(index);
      for (let t = 0; t < n; t++) {
        b.delivered[t] = b.delivered[t]! + delivered[t]!;
        b.duplicates[t] = b.duplicates[t]! + duplicates[t]!;
        b.outOfOrder[t] = b.outOfOrder[t]! + outOfOrder[t]!;
      }
    }
  }

  /**
   * Moves the watermarks forward (never back) and settles what that allows. `sinkThroughMs`
   * is the sink's side; without a sink nothing is ever delivered, and nothing settles early.
   */
  advance(sentThroughMs: number, sinkThroughMs: number): void {
    this.sentThroughMs = Math.max(this.sentThroughMs, sentThroughMs);
    this.sinkThroughMs = Math.max(this.sinkThroughMs, sinkThroughMs);
    this.settle();
  }

  /** The runner's view: final counts since the last call, and what is still pending (gauges). */
  reading(): { dated: DatedCounters[]; gauges: Record<string, number> } {
    const pending = this.pending();
    const gauges: Record<string, number> = { pending: pending.total };
    if (this.tenants.length > 1)
      for (const [name, n] of Object.entries(pending.byTenant)) gauges[tenantKey('pending', name)] = n;
    return { dated: this.drain(), gauges };
  }

  /**
   * Data-loss windows the sink declared, by the slice where each loss began: handed out at
   * once as the slice's `data_loss_window_ms` (a maximum; a later, longer one raises it).
   */
  addLossSpans(spans: readonly (readonly [startMs: number, spanMs: number])[]): void {
    for (const [startMs, spanMs] of spans)
      this.#out.push({ startMs, counters: {}, maxGauges: { data_loss_window_ms: spanMs } });
  }

  /** Settles every bucket that can be, in order; call as the watermarks advance. */
  settle(): void {
    if (this.#frontier === undefined) {
      // The first watermark: everything counted so far is open, from its oldest bucket on.
      if (!Number.isFinite(this.sentThroughMs)) return;
      let first = Math.floor(this.sentThroughMs / this.bucketMs);
      for (const index of this.#open.keys()) first = Math.min(first, index);
      this.#frontier = first;
    }
    for (;;) {
      const index: number = this.#frontier;
      const endMs = (index + 1) * this.bucketMs;
      if (!Number.isFinite(index) || this.sentThroughMs < endMs) return;
      const b = this.#open.get(index);
      if (!b) {
        // Nothing counted here: skip to the next open bucket, or as far as the watermark goes.
        let next = Math.floor(this.sentThroughMs / this.bucketMs);
        for (const k of this.#open.keys()) if (k > index && k < next) next = k;
        this.#frontier = Math.max(index + 1, next);
        continue;
      }
      const complete = b.expected.every((e, t) => b.delivered[t]! >= e);
      if (!complete && this.sinkThroughMs < endMs + this.graceMs) return;
      this.#finalize(index, b);
      this.#open.delete(index);
      this.#frontier = index + 1;
    }
  }

  /** Everything still open is final now (the fleet stopped: nothing more will come). */
  settleAll(): void {
    this.sentThroughMs = Number.POSITIVE_INFINITY;
    this.sinkThroughMs = Number.POSITIVE_INFINITY;
    const indexes = [...this.#open.keys()].sort((a, b) => a - b);
    for (const index of indexes) {
      this.#finalize(index, this.#open.get(index)!);
      this.#open.delete(index);
      this.#frontier = index + 1;
    }
  }

  /** End of the last final bucket: counts dated before it are settled. */
  get finalThroughMs(): number {
    return this.#frontier === undefined ? Number.NEGATIVE_INFINITY : this.#frontier * this.bucketMs;
  }

  /** Final counts (and amendments) since the last call, oldest first. */
  drain(): DatedCounters[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** Messages sent in open buckets and not received yet: lost unless they arrive within grace. */
  pending(): { total: number; byTenant: Record<string, number> } {
    const byTenant: Record<string, number> = {};
    let total = 0;
    for (const b of this.#open.values()) {
      this.tenants.forEach((name, t) => {
        const gap = Math.max(0, b.expected[t]! - b.delivered[t]!);
        byTenant[name] = (byTenant[name] ?? 0) + gap;
        total += gap;
      });
    }
    return { total, byTenant };
  }

  /** Totals of everything handed out so far, overall and per tenant. */
  totals(): Record<LedgerCounter, number> & { byTenant: Record<string, Record<LedgerCounter, number>> } {
    const n = this.tenants.length;
    const pick = (t: number | undefined) =>
      Object.fromEntries(
        LEDGER_COUNTERS.map((c, ci) => {
          let v = 0;
          for (let i = 0; i < n; i++) if (t === undefined || t === i) v += this.#totals[ci * n + i]!;
          return [c, v];
        }),
      ) as Record<LedgerCounter, number>;
    return {
      ...pick(undefined),
      byTenant: Object.fromEntries(this.tenants.map((name, t) => [name, pick(t)])),
    };
  }

  #finalize(index: number, b: OpenBucket): void {
    const n = this.tenants.length;
    const delivered = new Float64Array(n);
    const lost = new Float64Array(n);
    const unexpected = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      // More distinct copies than the devices sent: someone else publishes squall payloads on
      // the sink's topic. Counted apart so delivery stays a share of what *we* sent.
      delivered[t] = Math.min(b.delivered[t]!, b.expected[t]!);
      unexpected[t] = b.delivered[t]! - delivered[t]!;
      lost[t] = b.expected[t]! - delivered[t]!;
    }
    this.#emit(index * this.bucketMs, {
      expected: b.expected,
      delivered,
      lost,
      duplicates: b.duplicates,
      out_of_order: b.outOfOrder,
      unexpected,
    });
  }

  #amend(startMs: number, values: Partial<Record<LedgerCounter, ArrayLike<number>>>): void {
    this.#emit(startMs, values);
  }

  #emit(startMs: number, values: Partial<Record<LedgerCounter, ArrayLike<number>>>): void {
    const n = this.tenants.length;
    const counters: Record<string, number> = {};
    for (const [name, perTenant] of Object.entries(values) as [LedgerCounter, ArrayLike<number>][]) {
      const ci = LEDGER_COUNTERS.indexOf(name);
      let all = 0;
      for (let t = 0; t < n; t++) {
        const v = perTenant[t] ?? 0;
        all += v;
        this.#totals[ci * n + t] = this.#totals[ci * n + t]! + v;
        if (n > 1) counters[tenantKey(name, this.tenants[t]!)] = v;
      }
      counters[name] = all;
    }
    this.#out.push({ startMs, counters });
  }

  #isFinal(index: number): boolean {
    return this.#frontier !== undefined && index < this.#frontier;
  }

  #bucket(index: number): OpenBucket {
    let b = this.#open.get(index);
    if (!b) {
      const n = this.tenants.length;
      b = {
        expected: new Float64Array(n),
        delivered: new Float64Array(n),
        duplicates: new Float64Array(n),
        outOfOrder: new Float64Array(n),
      };
      this.#open.set(index, b);
    }
    return b;
  }

  #check(wire: TallyWire): void {
    if (wire.bucketMs !== this.bucketMs)
      throw new RangeError(`a ${wire.bucketMs} ms tally cannot feed a ${this.bucketMs} ms ledger`);
  }
}
