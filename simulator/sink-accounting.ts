/**
 * End-to-end accounting of telemetry at a sink, per device in typed arrays and per tenant in
 * the counters it reports. For every (device index, seq, send time) seen:
 *
 *   - next in sequence or ahead of it → delivered; a jump ahead opens a *gap* of missing seqs;
 *   - behind the highest seq and missing → delivered + out_of_order, and fills its gap;
 *   - behind and already seen → duplicate (QoS 1 redelivery, MQTT 3.1.1 §4.3.2);
 *   - a gap still missing seqs `graceMs` after it opened → those seqs are *lost*; a seq that
 *     arrives after its gap was declared lost counts as `late`, not delivered, so that
 *     `expected == delivered + lost` holds once every gap is settled.
 *
 * `expected` grows as the sink learns that seqs exist (the highest seq seen per device, plus
 * what `settle` is told the publishers sent but never arrived — the trailing loss).
 * Seen-ness is remembered in a 128-seq window per device (4 × u32 bitmap); an arrival older
 * than the window is matched against the device's open gaps, else counted as a duplicate.
 * End-to-end latency = arrival time − send time, in µs histograms per tenant and overall.
 */
import {
  createLatencyHistogram,
  type Histogram,
  type SourceReading,
  tenantKey,
} from '../engine/core/metrics.js';
import type { DatedTally } from './dated-tally.js';

export const SEEN_WINDOW_SEQS = 128;
const WORDS = SEEN_WINDOW_SEQS / 32;

export interface SinkAccountingOptions {
  /** Tenant names; index 0.. as `tenantOf` returns them. At least one. */
  tenants: readonly string[];
  /** Tenant number of a device index. */
  tenantOf: (index: number) => number;
  /** How long a gap may stay open before its missing seqs count as lost. */
  graceMs: number;
  /**
   * `zero`: every device's first seq is 0, so seqs missing before the first arrival are a gap
   * (the sink started before the publishers). `first-seen`: the first arrival starts the count.
   */
  firstSeq?: 'zero' | 'first-seen';
  /** Initial device capacity; grows on demand. */
  capacity?: number;
  /**
   * Also count every arrival into this tally (delivered, duplicates, out_of_order), dated by
   * its send time, for the fleet's delivery ledger (delivery-ledger.ts). There the ledger
   * decides what is late; here a first copy is a first copy, whenever it comes.
   */
  arrivals?: DatedTally;
  /**
   * Arrivals sent before this (epoch ms) are stale, e.g. a persistent session's backlog from an
   * earlier run: counted as `stale` and otherwise ignored, so they neither count nor disturb
   * the sequence state of this run's devices.
   */
  ignoreBeforeMs?: number;
}

/** Counter names, per tenant and overall. */
export const SINK_COUNTERS = ['delivered', 'expected', 'lost', 'duplicates', 'out_of_order', 'late'] as const;
export type SinkCounter = (typeof SINK_COUNTERS)[number];

interface Gap {
  index: number;
  fromSeq: number;
  toSeq: number;
  missing: number;
  openedMs: number;
  /** Send time of the last seq before the gap and the first after it: the data-loss window. */
  spanMs: number;
  /** Send time of the last seq before the gap (NaN when the gap starts at seq 0). */
  beforeMs: number;
}

export class SinkAccounting {
  readonly tenants: readonly string[];
  readonly #tenantOf: (index: number) => number;
  readonly #graceMs: number;
  readonly #fromZero: boolean;
  /** Highest seq seen per device; -1 none yet. */
  #highest: Int32Array;
  #seen: Uint32Array;
  #lastSendMs: Float64Array;
  /** Open gaps in the order they opened (openedMs non-decreasing), and by device. */
  #gapQueue: Gap[] = [];
  #gapHead = 0;
  readonly #gapsByDevice = new Map<number, Gap[]>();
  /** counters[c * tenants + t]: since the last `collect`, and since the start. */
  readonly #slice: Float64Array;
  readonly #total: Float64Array;
  #latency: Histogram[];
  #maxLossWindowMs = 0;
  readonly #arrivals: DatedTally | undefined;
  readonly #lossSpans = new Map<number, number>();
  readonly #ignoreBeforeMs: number;
  #stale = 0;

  constructor(options: SinkAccountingOptions) {
    if (options.tenants.length === 0) throw new Error('SinkAccounting needs at least one tenant');
    this.tenants = options.tenants;
    this.#tenantOf = options.tenantOf;
    this.#graceMs = options.graceMs;
    this.#fromZero = (options.firstSeq ?? 'zero') === 'zero';
    const capacity = Math.max(16, options.capacity ?? 1024);
    this.#highest = new Int32Array(capacity).fill(-1);
    this.#seen = new Uint32Array(capacity * WORDS);
    this.#lastSendMs = new Float64Array(capacity);
    this.#slice = new Float64Array(SINK_COUNTERS.length * this.tenants.length);
    this.#total = new Float64Array(SINK_COUNTERS.length * this.tenants.length);
    this.#latency = this.#newHistograms();
    this.#arrivals = options.arrivals;
    this.#ignoreBeforeMs = options.ignoreBeforeMs ?? Number.NEGATIVE_INFINITY;
  }

  /** Arrivals ignored as sent before `ignoreBeforeMs`. */
  get stale(): number {
    return this.#stale;
  }

  /** Accounts one payload that arrived at `arrivalMs`. */
  record(index: number, seq: number, sendTimeMs: number, arrivalMs: number): void {
    if (sendTimeMs < this.#ignoreBeforeMs) {
      this.#stale++;
      return;
    }
    if (index >= this.#highest.length) this.#grow(index + 1);
    const tenant = this.#tenantOf(index);
    const highest = this.#highest[index]!;
    const base = index * WORDS;
    if (seq > highest) {
      let expectedNow = seq - highest;
      if (highest < 0) {
        if (!this.#fromZero) expectedNow = 1;
        else if (seq > 0) this.#openGap(index, 0, seq - 1, arrivalMs, Number.NaN, sendTimeMs);
      } else if (seq > highest + 1) {
        this.#openGap(index, highest + 1, seq - 1, arrivalMs, this.#lastSendMs[index]!, sendTimeMs);
      }
      this.#shift(base, highest < 0 ? SEEN_WINDOW_SEQS : seq - highest);
      this.#seen[base] = this.#seen[base]! | 1;
      this.#highest[index] = seq;
      this.#lastSendMs[index] = sendTimeMs;
      this.#add(1, tenant, expectedNow); // expected
      this.#deliver(tenant, sendTimeMs, arrivalMs);
      return;
    }
    const behind = highest - seq;
    if (behind < SEEN_WINDOW_SEQS) {
      const word = base + (behind >>> 5);
      const bit = 1 << (behind & 31);
      if ((this.#seen[word]! & bit) !== 0) {
        this.#add(3, tenant, 1); // duplicates
        this.#arrivals?.add(1, tenant, sendTimeMs);
        return;
      }
      this.#seen[word] = this.#seen[word]! | bit;
      if (this.#fillGap(index, seq)) {
        this.#add(4, tenant, 1); // out_of_order
        this.#arrivals?.add(2, tenant, sendTimeMs);
        this.#deliver(tenant, sendTimeMs, arrivalMs);
      } else {
        this.#add(5, tenant, 1); // late: its gap was already declared lost
        this.#arrivals?.add(0, tenant, sendTimeMs);
      }
      return;
    }
    // Older than the window: an open gap still wants it, or we saw it (or gave up on it) long ago.
    if (this.#fillGap(index, seq)) {
      this.#add(4, tenant, 1);
      this.#arrivals?.add(2, tenant, sendTimeMs);
      this.#deliver(tenant, sendTimeMs, arrivalMs);
    } else {
      this.#add(3, tenant, 1);
      this.#arrivals?.add(1, tenant, sendTimeMs);
    }
  }

  /** Declares lost the missing seqs of gaps opened at least `graceMs` before `nowMs`. */
  sweep(nowMs: number): void {
    const q = this.#gapQueue;
    while (this.#gapHead < q.length && q[this.#gapHead]!.openedMs + this.#graceMs <= nowMs) {
      this.#close(q[this.#gapHead++]!);
    }
    if (this.#gapHead > 1024 && this.#gapHead * 2 > q.length) {
      this.#gapQueue = q.slice(this.#gapHead);
      this.#gapHead = 0;
    }
  }

  /**
   * End of the run: every open gap is lost now, and seqs the publishers say they sent
   * (`lastSeqSent(index)`, -1 for none) beyond the highest seen are lost too (trailing loss).
   */
  settle(lastSeqSent?: (index: number) => number, deviceCount = this.#highest.length): void {
    this.sweep(Number.POSITIVE_INFINITY);
    if (!lastSeqSent) return;
    for (let index = 0; index < deviceCount; index++) {
      const sent = lastSeqSent(index);
      if (index >= this.#highest.length) this.#grow(index + 1);
      const highest = this.#highest[index]!;
      if (sent > highest) {
        const tenant = this.#tenantOf(index);
        const missing = sent - highest;
        this.#add(1, tenant, missing);
        this.#add(2, tenant, missing);
        this.#highest[index] = sent;
        this.#shift(index * WORDS, SEEN_WINDOW_SEQS);
      }
    }
  }

  /** Highest seq seen from a device, -1 for none. */
  highestSeq(index: number): number {
    return index < this.#highest.length ? this.#highest[index]! : -1;
  }

  /** Seqs in gaps that are still within their grace period. */
  get pendingMissing(): number {
    let n = 0;
    for (let i = this.#gapHead; i < this.#gapQueue.length; i++) n += this.#gapQueue[i]!.missing;
    return n;
  }

  /** Totals since the start: overall and per tenant. */
  totals(): Record<SinkCounter, number> & { byTenant: Record<string, Record<SinkCounter, number>> } {
    const sum = (c: number) =>
      this.tenants.reduce((a, _, t) => a + this.#total[c * this.tenants.length + t]!, 0);
    const byTenant: Record<string, Record<SinkCounter, number>> = {};
    this.tenants.forEach((name, t) => {
      byTenant[name] = Object.fromEntries(
        SINK_COUNTERS.map((c, ci) => [c, this.#total[ci * this.tenants.length + t]!]),
      ) as Record<SinkCounter, number>;
    });
    return {
      ...(Object.fromEntries(SINK_COUNTERS.map((c, ci) => [c, sum(ci)])) as Record<SinkCounter, number>),
      byTenant,
    };
  }

  /** Longest data-loss window of any gap declared lost so far (send-time span), ms. */
  get maxLossWindowMs(): number {
    return this.#maxLossWindowMs;
  }

  /** Counters since the last call (overall and `tenantKey` per tenant), gauges, e2e histograms. */
  collect(): SourceReading {
    const counters: Record<string, number> = {};
    const nT = this.tenants.length;
    SINK_COUNTERS.forEach((c, ci) => {
      let all = 0;
      for (let t = 0; t < nT; t++) {
        const v = this.#slice[ci * nT + t]!;
        all += v;
        if (nT > 1) counters[tenantKey(c, this.tenants[t]!)] = v;
      }
      counters[c] = all;
    });
    this.#slice.fill(0);
    const histograms: Record<string, Histogram> = { e2e_latency: this.#latency[0]! };
    if (nT > 1) {
      this.tenants.forEach((name, t) => {
        histograms[tenantKey('e2e_latency', name)] = this.#latency[t + 1]!;
      });
    }
    this.#latency = this.#newHistograms();
    return { counters, gauges: { data_loss_window_ms: this.#maxLossWindowMs }, histograms };
  }

  #newHistograms(): Histogram[] {
    return Array.from({ length: this.tenants.length + 1 }, () => createLatencyHistogram());
  }

  #deliver(tenant: number, sendTimeMs: number, arrivalMs: number): void {
    this.#add(0, tenant, 1);
    this.#arrivals?.add(0, tenant, sendTimeMs);
    const us = Math.max(1, Math.round((arrivalMs - sendTimeMs) * 1000));
    this.#latency[0]!.recordValue(us);
    if (this.tenants.length > 1) this.#latency[tenant + 1]!.recordValue(us);
  }

  #add(counter: number, tenant: number, n: number): void {
    const i = counter * this.tenants.length + tenant;
    this.#slice[i] = this.#slice[i]! + n;
    this.#total[i] = this.#total[i]! + n;
  }

  #openGap(index: number, fromSeq: number, toSeq: number, nowMs: number, beforeMs: number, afterMs: number) {
    const gap: Gap = {
      index,
      fromSeq,
      toSeq,
      missing: toSeq - fromSeq + 1,
      openedMs: nowMs,
      spanMs: Number.isNaN(beforeMs) ? 0 : afterMs - beforeMs,
      beforeMs,
    };
    this.#gapQueue.push(gap);
    const list = this.#gapsByDevice.get(index);
    if (list) list.push(gap);
    else this.#gapsByDevice.set(index, [gap]);
  }

  /** True when `seq` belonged to an open gap (and is now taken out of it). */
  #fillGap(index: number, seq: number): boolean {
    const list = this.#gapsByDevice.get(index);
    if (!list) return false;
    for (const gap of list) {
      if (seq >= gap.fromSeq && seq <= gap.toSeq && gap.missing > 0) {
        gap.missing--;
        return true;
      }
    }
    return false;
  }

  #close(gap: Gap): void {
    const list = this.#gapsByDevice.get(gap.index)!;
    list.splice(list.indexOf(gap), 1);
    if (list.length === 0) this.#gapsByDevice.delete(gap.index);
    if (gap.missing === 0) return;
    this.#add(2, this.#tenantOf(gap.index), gap.missing);
    if (gap.spanMs > this.#maxLossWindowMs) this.#maxLossWindowMs = gap.spanMs;
    // Dated where the loss began: the first lost message, one send interval (the gap's span
    // over its seqs) after the last one that arrived before the gap.
    if (this.#arrivals && gap.spanMs > 0) {
      const firstLostMs = gap.beforeMs + gap.spanMs / (gap.toSeq - gap.fromSeq + 2);
      const bucket = Math.floor(firstLostMs / this.#arrivals.bucketMs) * this.#arrivals.bucketMs;
      this.#lossSpans.set(bucket, Math.max(this.#lossSpans.get(bucket) ?? 0, gap.spanMs));
    }
  }

  /**
   * The longest data-loss window of the gaps declared lost since the last call, by the slice
   * (of the send-time grid) where each loss began, its first lost message: `[sliceStartMs,
   * spanMs]`. Only with `arrivals`.
   */
  drainLossSpans(): Array<[startMs: number, spanMs: number]> {
    const out = [...this.#lossSpans.entries()].sort((a, b) => a[0] - b[0]);
    this.#lossSpans.clear();
    return out;
  }

  /** Shifts a device's seen-window by `by` seqs (bit 0 is always the highest seq). */
  #shift(base: number, by: number): void {
    const s = this.#seen;
    if (by >= SEEN_WINDOW_SEQS) {
      s.fill(0, base, base + WORDS);
      return;
    }
    const words = by >>> 5;
    const bits = by & 31;
    for (let w = WORDS - 1; w >= 0; w--) {
      const src = w - words;
      const hi = src >= 0 ? s[base + src]! : 0;
      const lo = src - 1 >= 0 ? s[base + src - 1]! : 0;
      s[base + w] = bits === 0 ? hi : ((hi << bits) | (lo >>> (32 - bits))) >>> 0;
    }
  }

  #grow(atLeast: number): void {
    let n = this.#highest.length;
    while (n < atLeast) n *= 2;
    const highest = new Int32Array(n).fill(-1);
    highest.set(this.#highest);
    const seen = new Uint32Array(n * WORDS);
    seen.set(this.#seen);
    const last = new Float64Array(n);
    last.set(this.#lastSendMs);
    this.#highest = highest;
    this.#seen = seen;
    this.#lastSendMs = last;
  }
}
