/**
 * Closes one metrics slice per tick: asks every source what it measured since the last tick,
 * prefixes keys with the source name, and keeps the series the scorer and guards read.
 * Dated counters (a source's counts for an earlier slice, metrics.ts) are added to the slice
 * they are dated to; the amendments to slices already closed are kept for the journal.
 */

import type { MetricsEvent } from '../core/journal-events.js';
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
      }
      for (const [key, histogram] of Object.entries(reading.histograms ?? {})) {
        const k = `${source.name}.${key}`;
        const existing = slice.histograms[k];
        if (existing) existing.add(histogram);
        else slice.histograms[k] = copyHistogram(histogram);
      }
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

function copyHistogram(source: Histogram): Histogram {
  const copy = createLatencyHistogram();
  copy.add(source);
  return copy;
}

/** The journal form of a slice: histograms summarised and encoded so reports can re-merge them. */
export function sliceToEvent(
  slice: MetricSlice,
  phase: MetricsEvent['phase'],
  encode: (h: Histogram) => string,
  amendments: DatedCounters[] = [],
): Omit<MetricsEvent, 'seq' | 't'> {
  const latencies: MetricsEvent['latencies'] = {};
  for (const [key, h] of Object.entries(slice.histograms)) {
    if (h.totalCount === 0) continue;
    latencies[key] = {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p90: h.getValueAtPercentile(90) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
      hdr: encode(h),
    };
  }
  return {
    type: 'metrics',
    startMs: slice.startMs,
    durationMs: slice.durationMs,
    phase,
    counters: slice.counters,
    gauges: slice.gauges,
    latencies,
    ...(amendments.length > 0 && { dated: amendments }),
  };
}
