/**
 * The metrics contract between whatever measures (probes, the fleet simulator, fleet shards on
 * agents) and SLO scoring: a series of slices, normally one per second. Counters are
 * deltas within the slice (so windows sum raw counts, never average ratios); gauges are
 * sampled values; latencies go into per-slice HDR histograms that windows merge.
 *
 * Keys are `<source>.<metric>`: `api.ok`, `api.total`, `api.latency` for a probe named `api`;
 * `fleet.delivered`, `fleet.expected`, `fleet.connected`, `fleet.e2e_latency` for the fleet.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Histograms record microseconds (integers) so sub-millisecond latencies keep their precision. */
export function createLatencyHistogram(): Histogram {
  return hdr.build({
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
  });
}

export function recordLatencyMs(histogram: Histogram, latencyMs: number): void {
  histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
}

/** Latency at a percentile (0–100) in ms; undefined when the histogram is empty. */
export function percentileMs(histogram: Histogram, percentile: number): number | undefined {
  if (histogram.totalCount === 0) return undefined;
  return histogram.getValueAtPercentile(percentile) / 1000;
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64);
}

export interface MetricSlice {
  /** Start of the slice on the controller clock (epoch ms). */
  startMs: number;
  /** Length of the slice; 1000 unless the run ended mid-slice. */
  durationMs: number;
  /** Deltas within the slice. */
  counters: Record<string, number>;
  /** Values sampled at the end of the slice. */
  gauges: Record<string, number>;
  /** Latencies observed in the slice (microseconds, see `createLatencyHistogram`). */
  histograms: Record<string, Histogram>;
}

/**
 * Counters that belong to the slice starting at `startMs` (on the slice grid), handed over
 * later than that slice closed: message counts are dated by send time and become final only
 * when the sink's grace has passed (docs/measurement.md). The collector adds them to that
 * slice, wherever it is in the series.
 */
export interface DatedCounters {
  startMs: number;
  counters: Record<string, number>;
  /** Gauges that are maxima (`data_loss_window_ms`): the slice keeps the larger value. */
  maxGauges?: Record<string, number>;
  /**
   * Latencies observed in that slice, read later (a k6 point arrives after k6 flushed its
   * output, engine/probes/k6.ts): merged into the slice's histograms.
   */
  histograms?: Record<string, Histogram>;
}

/** What a source hands over when the runner closes a slice. */
export type SourceReading = Partial<Pick<MetricSlice, 'counters' | 'gauges' | 'histograms'>> & {
  /** Counters for earlier (or this) slice, by the slice they are dated to. */
  dated?: DatedCounters[];
};

/** Anything that produces metrics: the runner calls `collect` once per slice. */
export interface MetricsSource {
  /** The source name that prefixes its keys (`fleet`, or a probe name). */
  readonly name: string;
  /** Metrics observed since the last call, keys without the source prefix. */
  collect(): SourceReading;
  start?(): Promise<void> | void;
  /**
   * Resolves once every count dated before `untilMs` has been handed over as final (the
   * runner keeps collecting meanwhile); a source bounds its own wait (e.g. the sink's grace).
   */
  settle?(untilMs: number): Promise<void>;
  stop?(): Promise<void> | void;
}

/** Key of a per-tenant metric: `delivered{tenant=acme}`. One place, so the SLI catalogue can use it. */
export function tenantKey(metric: string, tenant: string): string {
  return `${metric}{tenant=${tenant}}`;
}
