/**
 * Closes one metrics slice per tick: asks every source what it measured since the last tick,
 * prefixes keys with the source name, and keeps the series the scorer and guards read.
 */
import {
  createLatencyHistogram,
  type Histogram,
  type MetricSlice,
  type MetricsSource,
} from '../slo/metrics.js';
import type { MetricsEvent } from './journal-events.js';

export class MetricsCollector {
  readonly slices: MetricSlice[] = [];
  #sliceStartMs: number;

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
    for (const source of this.sources) {
      const reading = source.collect();
      for (const [key, value] of Object.entries(reading.counters ?? {})) {
        const k = `${source.name}.${key}`;
        slice.counters[k] = (slice.counters[k] ?? 0) + value;
      }
      for (const [key, value] of Object.entries(reading.gauges ?? {}))
        slice.gauges[`${source.name}.${key}`] = value;
      for (const [key, histogram] of Object.entries(reading.histograms ?? {})) {
        const k = `${source.name}.${key}`;
        const existing = slice.histograms[k];
        if (existing) existing.add(histogram);
        else slice.histograms[k] = copyHistogram(histogram);
      }
    }
    this.#sliceStartMs = endMs;
    this.slices.push(slice);
    return slice;
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
  };
}
