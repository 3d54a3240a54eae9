/**
 * Merging metric readings from several places (shards, engine + sink) and moving them over
 * IPC: counters add, gauges add (except `*_ms` maxima), histograms add; histograms travel as
 * HDR compressed base64 (engine/slo/metrics.ts).
 */
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type SourceReading,
} from '../engine/slo/metrics.js';

/** Gauges that are maxima, not sums, when merged. */
const MAX_GAUGES = new Set(['data_loss_window_ms']);

export interface WireReading {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  histograms: Record<string, string>;
}

export function toWire(r: SourceReading): WireReading {
  const histograms: Record<string, string> = {};
  for (const [k, h] of Object.entries(r.histograms ?? {}))
    if (h.totalCount > 0) histograms[k] = encodeHistogram(h);
  return { counters: r.counters ?? {}, gauges: r.gauges ?? {}, histograms };
}

export function fromWire(w: WireReading): SourceReading {
  const histograms: Record<string, Histogram> = {};
  for (const [k, b64] of Object.entries(w.histograms)) histograms[k] = decodeHistogram(b64);
  return { counters: w.counters, gauges: w.gauges, histograms };
}

/** Adds `from` into `into` (mutating it) and returns it. */
export function mergeInto(
  into: Required<SourceReading>,
  from: SourceReading,
  gauges = true,
): Required<SourceReading> {
  for (const [k, v] of Object.entries(from.counters ?? {})) into.counters[k] = (into.counters[k] ?? 0) + v;
  if (gauges) {
    for (const [k, v] of Object.entries(from.gauges ?? {})) {
      const prev = into.gauges[k];
      into.gauges[k] = prev === undefined ? v : MAX_GAUGES.has(k) ? Math.max(prev, v) : prev + v;
    }
  }
  for (const [k, h] of Object.entries(from.histograms ?? {})) {
    let target = into.histograms[k];
    if (!target) {
      target = createLatencyHistogram();
      into.histograms[k] = target;
    }
    target.add(h);
  }
  return into;
}

export function emptyReading(): Required<SourceReading> {
  return { counters: {}, gauges: {}, histograms: {} };
}
