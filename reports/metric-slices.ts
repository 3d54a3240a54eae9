/**
 * Metrics events back into the SLO engine's slices (engine/slo/metrics.ts), so reports compute
 * SLIs with the same math that scored the run.
 *
 * Decoding an HDR histogram costs ~0.1 ms and ~90 KB; a 30-minute run has 1 800 slices × several
 * histogram keys. So slices come back without histograms, and callers decode only the keys they
 * need, once per slice, merging as they go instead of keeping decoded histograms around.
 */
import type { MetricsEvent } from '../engine/run/journal-events.js';
import {
  createLatencyHistogram,
  decodeHistogram,
  type Histogram,
  type MetricSlice,
} from '../engine/slo/metrics.js';
import type { WindowName } from '../engine/slo/windows.js';
import type { PhaseSpan } from './timeline.js';

export interface ReportSlice extends MetricSlice {
  /** The scored windows holding the slice's start (`run` plus its phase), as the runner windows them. */
  windows: WindowName[];
  event: MetricsEvent;
}

/** The run window the runner scores: the start of the baseline to the end of the last phase. */
export function runSpan(spans: readonly PhaseSpan[]): [number, number] | undefined {
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
  return slices.sort((a, b) => a.startMs - b.startMs);
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

/**
 * Per window, the merged histogram of each key: one decode and one merge per slice and key.
 * A slice is merged into its phase only; `run` is then the merge of the phases (the phases tile
 * the run window, runSpan), which halves the merging.
 */
export function mergeByWindow(
  slices: readonly ReportSlice[],
  keys: readonly string[],
): Map<WindowName, Map<string, Histogram>> {
  const out = new Map<WindowName, Map<string, Histogram>>();
  const into = (w: WindowName, key: string, h: Histogram) => {
    const byKey = out.get(w) ?? new Map<string, Histogram>();
    out.set(w, byKey);
    const merged = byKey.get(key) ?? createLatencyHistogram();
    byKey.set(key, merged);
    merged.add(h);
  };
  for (const slice of slices) {
    const phase = slice.windows.find((w) => w !== 'run');
    const target: WindowName | undefined = phase ?? (slice.windows.includes('run') ? 'run' : undefined);
    if (!target) continue;
    for (const key of keys) {
      const h = decodeSliceHistogram(slice, key);
      if (h) into(target, key, h);
    }
  }
  for (const phase of ['baseline', 'fault', 'recovery'] as const) {
    for (const [key, h] of out.get(phase) ?? []) into('run', key, h);
  }
  return out;
}
