/**
 * One pass over the journal's metrics for everything that needs HDR histograms: the key SLIs
 * (summary.ts) and the error-budget burn (report.html). Each slice's histograms are decoded
 * once, used by both, and dropped, which is what keeps a 30-minute, 100k-device report under
 * 2 s (perf.test.ts). The result is memoised per events array, so the summary and the HTML of
 * one `writeReports` share it.
 */
import type { JournalEvent, VerdictEvent } from '../engine/core/journal-events.js';
import { BurnTracker } from './burn.js';
import { computeKeySlis, type KeySli, keySliRows } from './key-slis.js';
import { chartBuckets, decodeView, type ReportSlice, toSlices, WindowHistograms } from './metric-slices.js';
import type { Chart } from './series.js';
import { originMs, type PhaseSpan, phaseSpans } from './timeline.js';

export interface MetricsScan {
  spans: PhaseSpan[];
  /** Offsets in every report are from here: the start of the baseline. */
  originMs: number;
  slices: ReportSlice[];
  keySlis: KeySli[];
  burn: Chart;
}

const scans = new WeakMap<readonly JournalEvent[], MetricsScan>();

export function scanMetrics(events: readonly JournalEvent[]): MetricsScan {
  const cached = scans.get(events);
  if (cached) return cached;
  const spans = phaseSpans(events);
  const origin = originMs(events, spans);
  const slices = toSlices(events, spans);
  const rows = keySliRows(slices);
  const verdict = events.find((e): e is VerdictEvent => e.type === 'verdict');
  const burn = new BurnTracker(events, verdict?.slos ?? [], origin);
  const keys = [
    ...new Set([...rows.flatMap((r) => (r.histogramKey ? [r.histogramKey] : [])), ...burn.histogramKeys]),
  ];
  const windows = new WindowHistograms();
  for (const group of chartBuckets(slices)) {
    const views = group.map((slice) => decodeView(slice, keys));
    for (const view of views) windows.add(view);
    burn.addBucket(views);
  }
  const scan: MetricsScan = {
    spans,
    originMs: origin,
    slices,
    keySlis: computeKeySlis(rows, slices, windows.finish()),
    burn: burn.chart(),
  };
  scans.set(events, scan);
  return scan;
}
