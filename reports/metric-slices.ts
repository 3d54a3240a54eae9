/**
 * Metrics events back into the SLO engine's slices (engine/core/metrics.ts), so reports compute
 * SLIs with the same math that scored the run.
 *
 * Decoding an HDR histogram costs ~0.1 ms and ~90 KB; a 30-minute run has 1 800 slices × several
 * histogram keys. So slices come back without histograms, and callers decode only the keys they
 * need, once per slice, merging as they go instead of keeping decoded histograms around.
 */
import type { MetricsEvent } from '../engine/core/journal-events.js';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type MetricSlice,
} from '../engine/core/metrics.js';
import type { WindowName } from '../engine/slo/windows.js';
import type { PhaseSpan } from './timeline.js';

/** At most this many points per chart series (a chart is ~900 px wide: 2–3 px per point). */
export const MAX_POINTS = 400;

/** Consecutive slices in groups of k = ceil(n / MAX_POINTS): one chart point per group. */
export function buckets<T>(slices: readonly T[]): T[][] {
  const k = Math.max(1, Math.ceil(slices.length / MAX_POINTS));
  const out: T[][] = [];
  for (let i = 0; i < slices.length; i += k) out.push(slices.slice(i, i + k));
  return out;
}

/**
 * Buckets for charts: as `buckets`, except that a zero-length slice (the final flush when the
 * fleet stops) joins the bucket its start falls in, so a chart's time never runs backwards.
 */
export function chartBuckets<T extends { startMs: number; durationMs: number }>(slices: readonly T[]): T[][] {
  const groups = buckets(slices.filter((s) => s.durationMs > 0));
  for (const s of slices) {
    if (s.durationMs > 0) continue;
    const into = groups.findLast((g) => g[0]!.startMs <= s.startMs) ?? groups[0];
    if (into) into.push(s);
    else groups.push([s]);
  }
  return groups;
}

/** Where a bucket ends: the latest end of its slices. */
export function bucketEndMs(group: readonly { startMs: number; durationMs: number }[]): number {
  return Math.max(...group.map((s) => s.startMs + s.durationMs));
}

export interface ReportSlice extends MetricSlice {
  /** The scored windows holding the slice's start (`run` plus its phase), as the runner windows them. */
  windows: WindowName[];
  event: MetricsEvent;
}

/** The run window the runner scores: the start of the baseline to the end of the last phase. */
function runSpan(spans: readonly PhaseSpan[]): [number, number] | undefined {
  const scored = spans.filter((s) => s.phase !== 'preflight');
  if (scored.length === 0) return undefined;
  return [scored[0]!.startMs, scored[scored.length - 1]!.endMs];
}

/** Every metrics event as a slice (histograms empty), sorted by start, tagged with its windows. */
export function toSlices(events: readonly { type: string }[], spans: readonly PhaseSpan[]): ReportSlice[] {
  const run = runSpan(spans);
  const slices: ReportSlice[] = [];
  for (const e of events) {
    if (e.type !== 'metrics') continue;
    const m = e as MetricsEvent;
    if (typeof m.startMs !== 'number' || typeof m.durationMs !== 'number') continue;
    const windows: WindowName[] = [];
    if (run && m.startMs >= run[0] && m.startMs < run[1]) windows.push('run');
    for (const s of spans) {
      if (s.phase !== 'preflight' && m.startMs >= s.startMs && m.startMs < s.endMs) windows.push(s.phase);
    }
    slices.push({
      startMs: m.startMs,
      durationMs: m.durationMs,
      counters: m.counters ?? {},
      gauges: m.gauges ?? {},
      histograms: {},
      windows,
      event: m,
    });
  }
  slices.sort((a, b) => a.startMs - b.startMs);
  applyDated(events, slices);
  return slices;
}

/**
 * Message counts settle after their slice was journaled (dated by send time, final after the
 * sink's grace): a later metrics event carries them as `dated`, for the slice they belong to.
 * They are added to that slice (loss windows, `maxGauges`, raise it; latencies merge), as the
 * runner did before it scored.
 */
function applyDated(events: readonly { type: string }[], slices: ReportSlice[]): void {
  const byStart = new Map(slices.map((s) => [s.startMs, s]));
  for (const e of events) {
    if (e.type !== 'metrics') continue;
    for (const d of (e as MetricsEvent).dated ?? []) {
      const slice = byStart.get(d.startMs);
      if (!slice) continue;
      // The event's own objects are shared with the slice's: copy before adding.
      if (slice.counters === slice.event.counters) slice.counters = { ...slice.counters };
      if (slice.gauges === slice.event.gauges) slice.gauges = { ...slice.gauges };
      for (const [key, value] of Object.entries(d.counters))
        slice.counters[key] = (slice.counters[key] ?? 0) + value;
      for (const [key, value] of Object.entries(d.maxGauges ?? {}))
        slice.gauges[key] = Math.max(slice.gauges[key] ?? value, value);
      if (d.latencies && Object.keys(d.latencies).length > 0) addDatedLatencies(slice, d.latencies);
    }
  }
}

/**
 * Latencies read after their slice was journaled (k6 points): merged into the slice's own
 * encoded histogram, on a copy of its event, so every reader (percentiles, charts) sees one.
 */
function addDatedLatencies(slice: ReportSlice, dated: NonNullable<MetricsEvent['latencies']>): void {
  const latencies = { ...slice.event.latencies };
  for (const [key, summary] of Object.entries(dated)) {
    const merged = createLatencyHistogram();
    for (const part of [latencies[key], summary]) {
      if (!part?.count || typeof part.hdr !== 'string') continue;
      try {
        merged.add(decodeHistogram(part.hdr));
      } catch {
        // A damaged encoding loses these samples, not the report.
      }
    }
    if (merged.totalCount === 0) continue;
    latencies[key] = {
      count: merged.totalCount,
      p50: merged.getValueAtPercentile(50) / 1000,
      p90: merged.getValueAtPercentile(90) / 1000,
      p99: merged.getValueAtPercentile(99) / 1000,
      max: merged.maxValue / 1000,
      hdr: encodeHistogram(merged),
    };
  }
  slice.event = { ...slice.event, latencies };
}

/** The slice's histogram for `key`, decoded; undefined when absent, empty or undecodable. */
export function decodeSliceHistogram(slice: ReportSlice, key: string): Histogram | undefined {
  const summary = slice.event.latencies?.[key];
  if (!summary?.count || typeof summary.hdr !== 'string') return undefined;
  try {
    return decodeHistogram(summary.hdr);
  } catch {
    // A damaged encoding loses this slice's samples, not the report.
    return undefined;
  }
}

/** The slice with its histograms for `keys` decoded (once); dropped after use to free ~90 KB each. */
export function decodeView(slice: ReportSlice, keys: readonly string[]): ReportSlice {
  const histograms: ReportSlice['histograms'] = {};
  for (const key of keys) {
    const h = decodeSliceHistogram(slice, key);
    if (h) histograms[key] = h;
  }
  return { ...slice, histograms };
}

/**
 * Per window, the merged histogram of each key. A slice is merged into its phase only; `run`
 * is the merge of the phases at the end (the phases tile the run window, runSpan), which halves
 * the merging.
 */
export class WindowHistograms {
  readonly #byWindow = new Map<WindowName, Map<string, Histogram>>();

  add(slice: ReportSlice): void {
    const phase = slice.windows.find((w) => w !== 'run');
    const target: WindowName | undefined = phase ?? (slice.windows.includes('run') ? 'run' : undefined);
    if (!target) return;
    for (const [key, h] of Object.entries(slice.histograms)) this.#into(target, key, h);
  }

  /** Merges the phases into `run`; call once, after the last `add`. */
  finish(): Map<WindowName, Map<string, Histogram>> {
    for (const phase of ['baseline', 'fault', 'recovery'] as const) {
      for (const [key, h] of this.#byWindow.get(phase) ?? []) this.#into('run', key, h);
    }
    return this.#byWindow;
  }

  #into(w: WindowName, key: string, h: Histogram): void {
    const byKey = this.#byWindow.get(w) ?? new Map<string, Histogram>();
    this.#byWindow.set(w, byKey);
    const merged = byKey.get(key) ?? createLatencyHistogram();
    byKey.set(key, merged);
    merged.add(h);
  }
}
