/**
 * Windows over the slice series and the raw aggregations every SLI is built from. Windows sum
 * raw counts and merge histograms; they never average per-slice ratios (a slice with 10 events
 * and one with 10 000 must not weigh the same).
 */
import { createLatencyHistogram, type Histogram, type MetricSlice, tenantKey } from '../core/metrics.js';

export type WindowName = 'run' | 'baseline' | 'fault' | 'recovery';

/** The windows every SLO is evaluated in, in report order. */
export const WINDOW_NAMES: readonly WindowName[] = ['run', 'baseline', 'fault', 'recovery'];

/** `[startMs, endMs)` on the controller clock (epoch ms). */
export type Span = readonly [startMs: number, endMs: number];

/** Phase boundaries of a run (epoch ms); `run` spans baseline through recovery. */
export type PhaseBoundaries = Readonly<Record<WindowName, Span>>;

/** The slices whose start lies in `[startMs, endMs)`: a slice belongs to the window holding its start. */
export function slicesIn(slices: readonly MetricSlice[], [startMs, endMs]: Span): MetricSlice[] {
  return slices.filter((s) => s.startMs >= startMs && s.startMs < endMs);
}

/**
 * `<source>.<metric>`, the key format of metrics.ts. A tenant of the fleet is the source
 * `fleet.<tenant>`, and reads the fleet's per-tenant series `fleet.<metric>{tenant=<tenant>}`
 * (the simulator's `tenantKey`, one place for the format).
 */
export function metricKey(source: string, metric: string): string {
  const tenant = source.startsWith('fleet.') ? source.slice('fleet.'.length) : undefined;
  return tenant ? `fleet.${tenantKey(metric, tenant)}` : `${source}.${metric}`;
}

/** Σ of a counter; `seen` says whether any slice carried the key at all. */
export function sumCounter(slices: readonly MetricSlice[], key: string): { sum: number; seen: boolean } {
  let sum = 0;
  let seen = false;
  for (const s of slices) {
    const v = s.counters[key];
    if (v === undefined) continue;
    sum += v;
    seen = true;
  }
  return { sum, seen };
}

/** Σ duration of the slices, in seconds. */
export function durationS(slices: readonly MetricSlice[]): number {
  let ms = 0;
  for (const s of slices) ms += s.durationMs;
  return ms / 1000;
}

/** Σ gauge × slice duration over slices carrying both gauges (e.g. device-seconds connected / targeted). */
export function sumGaugeSeconds(
  slices: readonly MetricSlice[],
  key: string,
  ofKey: string,
): { value: number; of: number } {
  let value = 0;
  let of = 0;
  for (const s of slices) {
    const v = s.gauges[key];
    const o = s.gauges[ofKey];
    if (v === undefined || o === undefined) continue;
    value += (v * s.durationMs) / 1000;
    of += (o * s.durationMs) / 1000;
  }
  return { value, of };
}

/** The largest value a gauge took; undefined when no slice carried it. */
export function maxGauge(slices: readonly MetricSlice[], key: string): number | undefined {
  let max: number | undefined;
  for (const s of slices) {
    const v = s.gauges[key];
    if (v !== undefined && (max === undefined || v > max)) max = v;
  }
  return max;
}

let empty: Histogram | undefined;

/**
 * The slices' histograms for `key` merged. Read-only: when one slice (or none) has samples,
 * that histogram (or a shared empty one) is returned as is, which saves allocating ~90 KB
 * per slice when timeslices read slices one at a time.
 */
export function mergeHistograms(slices: readonly MetricSlice[], key: string): Histogram {
  const parts: Histogram[] = [];
  for (const s of slices) {
    const h = s.histograms[key];
    if (h && h.totalCount > 0) parts.push(h);
  }
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 0) {
    empty ??= createLatencyHistogram();
    return empty;
  }
  const merged = createLatencyHistogram();
  for (const h of parts) merged.add(h);
  return merged;
}
