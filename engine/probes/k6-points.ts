/**
 * k6's streamed output (`k6 run --out json=FILE`) into per-slice readings. The file is
 * newline-delimited JSON, one object a line, as k6 documents it
 * (https://grafana.com/docs/k6/latest/results-output/real-time/json/):
 *
 *   {"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time",
 *     "thresholds":[],"submetrics":null},"metric":"http_req_duration"}
 *   {"type":"Point","data":{"time":"2026-03-02T10:00:01.234567+01:00","value":12.3,
 *     "tags":{"method":"GET","status":"200",...}},"metric":"http_req_duration"}
 *
 * A `Metric` line declares a metric before its first point; a `Point` is one sample, timed by
 * k6 (an HTTP request's samples when it ended). Points are dated by that time, not by when
 * they were read, into the slice of the grid holding it (docs/measurement.md), so a window
 * counts the requests k6 made in it even though k6 writes them out late.
 *
 * What maps to what (keys without the probe's prefix; README "k6"):
 *
 * | k6 metric            | k6 type | keys                                                        |
 * |----------------------|---------|-------------------------------------------------------------|
 * | `http_req_failed`    | rate    | `total` +1 per request; `ok` +1 when 0; `http_req_failed` +1 when 1; `errors` +1 when it got no response (tag `status` "0") |
 * | `http_req_duration`  | trend   | `latency` (histogram, ms → µs) for requests that got a response |
 * | `http_reqs`          | counter | `http_reqs` (Σ values)                                      |
 * | `checks`             | rate    | `checks` +1 per check; `checks_passed` +1 when it passed    |
 * | `iterations`         | counter | `iterations` (Σ values)                                     |
 * | `iteration_duration` | trend   | `iteration_duration` (histogram)                            |
 * | `dropped_iterations` | counter | `dropped_iterations` (Σ values)                             |
 * | `vus`                | gauge   | `vus`: the most in the slice                                |
 *
 * `ok`/`total`/`latency` are the keys every probe has, so `success_ratio`, `latency_pNN` and
 * `throughput` read a k6 probe as they read an `http` one. Other metrics are ignored.
 */
import {
  createLatencyHistogram,
  type DatedCounters,
  type Histogram,
  recordLatencyMs,
} from '../core/metrics.js';

export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface K6Point {
  metric: string;
  /** k6's own timestamp of the sample (epoch ms). */
  timeMs: number;
  value: number;
  tags: Readonly<Record<string, string>>;
}

export type K6Line =
  | { kind: 'metric'; name: string; type: K6MetricType; contains: string }
  | { kind: 'point'; point: K6Point }
  /** A line that is not what k6 writes: what is wrong with it. */
  | { kind: 'problem'; problem: string };

const METRIC_TYPES = new Set<string>(['counter', 'gauge', 'rate', 'trend']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One line of the file: a metric, a point, what is wrong with it, or `undefined` for a blank line. */
export function parseK6Line(line: string): K6Line | undefined {
  if (line.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'problem', problem: 'not JSON' };
  }
  if (!isObject(parsed) || !isObject(parsed.data) || typeof parsed.metric !== 'string')
    return { kind: 'problem', problem: 'expected {"type", "data": {...}, "metric"}' };
  const { data, metric } = parsed;
  if (parsed.type === 'Metric') {
    const type = data.type;
    if (typeof type !== 'string' || !METRIC_TYPES.has(type))
      return {
        kind: 'problem',
        problem: `metric '${metric}': type ${JSON.stringify(type)} is not counter, gauge, rate or trend`,
      };
    const name = typeof data.name === 'string' ? data.name : metric;
    return { kind: 'metric', name, type: type as K6MetricType, contains: String(data.contains ?? 'default') };
  }
  if (parsed.type !== 'Point')
    return { kind: 'problem', problem: `type ${JSON.stringify(parsed.type)} is not Metric or Point` };
  const timeMs = typeof data.time === 'string' ? Date.parse(data.time) : Number.NaN;
  if (!Number.isFinite(timeMs))
    return { kind: 'problem', problem: `point of '${metric}': time is not an RFC 3339 timestamp` };
  if (typeof data.value !== 'number' || !Number.isFinite(data.value))
    return { kind: 'problem', problem: `point of '${metric}': value is not a number` };
  const tags: Record<string, string> = {};
  if (isObject(data.tags)) for (const [k, v] of Object.entries(data.tags)) tags[k] = String(v);
  return { kind: 'point', point: { metric, timeMs, value: data.value, tags } };
}

interface SliceTally {
  counters: Record<string, number>;
  histograms: Record<string, Histogram>;
  maxGauges: Record<string, number>;
}

const add = (t: SliceTally, key: string, n: number) => {
  t.counters[key] = (t.counters[key] ?? 0) + n;
};
const record = (t: SliceTally, key: string, ms: number) => {
  t.histograms[key] ??= createLatencyHistogram();
  recordLatencyMs(t.histograms[key], Math.max(0, ms));
};
/** k6 tags a request that got no response (refused, reset, timed out) with status "0". */
const gotNoResponse = (p: K6Point) => p.tags.status === '0';

/** What each k6 metric adds to its slice (the table above). */
const MAPPING: Readonly<Record<string, (t: SliceTally, p: K6Point) => void>> = {
  http_req_failed(t, p) {
    add(t, 'total', 1);
    if (p.value === 0) add(t, 'ok', 1);
    else add(t, 'http_req_failed', 1);
    if (gotNoResponse(p)) add(t, 'errors', 1);
  },
  http_req_duration(t, p) {
    if (!gotNoResponse(p)) record(t, 'latency', p.value);
  },
  http_reqs: (t, p) => add(t, 'http_reqs', p.value),
  checks(t, p) {
    add(t, 'checks', 1);
    if (p.value !== 0) add(t, 'checks_passed', 1);
  },
  iterations: (t, p) => add(t, 'iterations', p.value),
  iteration_duration: (t, p) => record(t, 'iteration_duration', p.value),
  dropped_iterations: (t, p) => add(t, 'dropped_iterations', p.value),
  vus(t, p) {
    t.maxGauges.vus = Math.max(t.maxGauges.vus ?? p.value, p.value);
  },
};

/**
 * Points tallied by the slice of the grid they are dated in, until handed over. Holds only the
 * slices not handed over yet (a few), never the points.
 */
export class K6SliceTally {
  readonly #sliceMs: number;
  readonly #slices = new Map<number, SliceTally>();

  constructor(sliceMs: number) {
    this.#sliceMs = sliceMs;
  }

  /** Tallies one point; false when its metric is not one Squall reads. */
  add(point: K6Point): boolean {
    const map = MAPPING[point.metric];
    if (!map) return false;
    const startMs = Math.floor(point.timeMs / this.#sliceMs) * this.#sliceMs;
    let tally = this.#slices.get(startMs);
    if (!tally) {
      tally = { counters: {}, histograms: {}, maxGauges: {} };
      this.#slices.set(startMs, tally);
    }
    map(tally, point);
    return true;
  }

  /** Every slice that starts before `beforeMs` (all of them when omitted), dated, and forgets them. */
  take(beforeMs = Number.POSITIVE_INFINITY): DatedCounters[] {
    const out: DatedCounters[] = [];
    for (const [startMs, t] of [...this.#slices].sort((a, b) => a[0] - b[0])) {
      if (startMs >= beforeMs) continue;
      this.#slices.delete(startMs);
      out.push({
        startMs,
        counters: t.counters,
        ...(Object.keys(t.maxGauges).length > 0 && { maxGauges: t.maxGauges }),
        ...(Object.keys(t.histograms).length > 0 && { histograms: t.histograms }),
      });
    }
    return out;
  }
}
