/**
 * Merging metric readings from several places (shards, engine + sink) and moving them over
 * IPC: counters add, gauges add (except `*_ms` maxima), histograms add; histograms travel as
 * HDR compressed base64 (engine/core/metrics.ts).
 */
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type SourceReading,
} from '../engine/core/metrics.js';
import { SINK_COUNTERS } from './sink-accounting.js';

/** A reading with every part present (what merging accumulates into). */
export type FullReading = Required<Pick<SourceReading, 'counters' | 'gauges' | 'histograms'>>;

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
export function mergeInto(into: FullReading, from: SourceReading, gauges = true): FullReading {
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

export function emptyReading(): FullReading {
  return { counters: {}, gauges: {}, histograms: {} };
}

/**
 * The reading without the sink's arrival-dated message counters (and their per-tenant keys):
 * where the delivery ledger dates messages by send time, those would count everything twice.
 */
export function withoutMessageCounters(reading: SourceReading): SourceReading {
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries(reading.counters ?? {})) {
    const base = k.includes('{') ? k.slice(0, k.indexOf('{')) : k;
    if (!MESSAGE_COUNTERS.has(base)) counters[k] = v;
  }
  return { ...reading, counters };
}

const MESSAGE_COUNTERS: ReadonlySet<string> = new Set(SINK_COUNTERS);
