/**
 * Closes one metrics slice per tick: asks every source what it measured since the last tick,
 * prefixes keys with the source name, and keeps the series the scorer and guards read.
 * Dated counters and latencies (a source's counts for an earlier slice, metrics.ts) are added to
 * the slice they are dated to; the amendments to slices already closed are kept for the journal.
 */

import type { LatencySummary, MetricsEvent } from '../core/journal-events.js';
import {
  createLatencyHistogram,
  type DatedCounters,
  type Histogram,
  type MetricSlice,
  type MetricsSource,
} from '../core/metrics.js';

export class MetricsCollector {
  readonly slices: MetricSlice[] = [];
  #sliceStartMs: number;
  #amended: DatedCounters[] = [];

  constructor(
    private readonly sources: readonly MetricsSource[],
    startMs: number,
  ) {
    this.#sliceStartMs = startMs;
  }

  /** Closes the slice ending at `endMs` and returns it. */
  close(endMs: number): MetricSlice {
    const slice: MetricSlice = {
      startMs: this.#sliceStartMs,
      durationMs: Math.max(0, endMs - this.#sliceStartMs),
      counters: {},
      gauges: {},
      histograms: {},
    };
    const amended = new Map<MetricSlice, Omit<DatedCounters, 'startMs'>>();
    for (const source of this.sources) {
      const reading = source.collect();
      for (const [key, value] of Object.entries(reading.counters ?? {})) {
        const k = `${source.name}.${key}`;
        slice.counters[k] = (slice.counters[k] ?? 0) + value;
      }
      // Gauges first: a dated maximum for this very slice must raise its gauge, not be overwritten.
      for (const [key, value] of Object.entries(reading.gauges ?? {}))
        slice.gauges[`${source.name}.${key}`] = value;
      for (const d of reading.dated ?? []) {
        const target = d.startMs >= slice.startMs ? slice : this.#sliceAt(d.startMs);
        // Dated before the first slice (the ramp, before preflight): not the run's.
        if (!target) continue;
        const record = target === slice ? undefined : (amended.get(target) ?? { counters: {} });
        if (record) amended.set(target, record);
        for (const [key, value] of Object.entries(d.counters)) {
          const k = `${source.name}.${key}`;
          target.counters[k] = (target.counters[k] ?? 0) + value;
          if (record) record.counters[k] = (record.counters[k] ?? 0) + value;
        }
        for (const [key, value] of Object.entries(d.maxGauges ?? {})) {
          const k = `${source.name}.${key}`;
          target.gauges[k] = Math.max(target.gauges[k] ?? value, value);
          if (record)
            record.maxGauges = { ...record.maxGauges, [k]: Math.max(record.maxGauges?.[k] ?? value, value) };
        }
        for (const [key, histogram] of Object.entries(d.histograms ?? {})) {
          if (histogram.totalCount === 0) continue;
          const k = `${source.name}.${key}`;
          mergeInto(target.histograms, k, histogram);
          if (record) {
            record.histograms ??= {};
            mergeInto(record.histograms, k, histogram);
          }
        }
      }
      for (const [key, histogram] of Object.entries(reading.histograms ?? {}))
        mergeInto(slice.histograms, `${source.name}.${key}`, histogram);
    }
    for (const [target, values] of amended) this.#amended.push({ startMs: target.startMs, ...values });
    this.#sliceStartMs = endMs;
    this.slices.push(slice);
    return slice;
  }

  /** Counters added to slices closed earlier, since the last call (for the journal). */
  takeAmendments(): DatedCounters[] {
    const out = this.#amended;
    this.#amended = [];
    return out;
  }

  /** The closed slice holding `ms`, by binary search (slices are in time order). */
  #sliceAt(ms: number): MetricSlice | undefined {
    let lo = 0;
    let hi = this.slices.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.slices[mid]!;
      if (ms < s.startMs) hi = mid - 1;
      else if (ms >= s.startMs + Math.max(1, s.durationMs)) lo = mid + 1;
      else return s;
    }
    return undefined;
  }
}

/** Adds `histogram` to `into[key]`, copying it first: a source may reuse its own. */
function mergeInto(into: Record<string, Histogram>, key: string, histogram: Histogram): void {
  const existing = into[key];
  if (existing) existing.add(histogram);
  else {
    const copy = createLatencyHistogram();
    copy.add(histogram);
    into[key] = copy;
  }
}

/** A histogram's journal form (ms), or undefined when it is empty. */
function summarise(h: Histogram, encode: (h: Histogram) => string): LatencySummary | undefined {
  if (h.totalCount === 0) return undefined;
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    max: h.maxValue / 1000,
    hdr: encode(h),
  };
}

function summariseAll(
  histograms: Record<string, Histogram>,
  encode: (h: Histogram) => string,
): Record<string, LatencySummary> {
  const out: Record<string, LatencySummary> = {};
  for (const [key, h] of Object.entries(histograms)) {
    const summary = summarise(h, encode);
    if (summary) out[key] = summary;
  }
  return out;
}

/** The journal form of a slice: histograms summarised and encoded so reports can re-merge them. */
export function sliceToEvent(
  slice: MetricSlice,
  phase: MetricsEvent['phase'],
  encode: (h: Histogram) => string,
  amendments: DatedCounters[] = [],
): Omit<MetricsEvent, 'seq' | 't'> {
  const dated = amendments.map(({ histograms, ...rest }) =>
    histograms ? { ...rest, latencies: summariseAll(histograms, encode) } : rest,
  );
  return {
    type: 'metrics',
    startMs: slice.startMs,
    durationMs: slice.durationMs,
    phase,
    counters: slice.counters,
    gauges: slice.gauges,
    latencies: summariseAll(slice.histograms, encode),
    ...(dated.length > 0 && { dated }),
  };
}
