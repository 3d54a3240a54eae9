/**
 * Chart data for report.html, from the journal's metrics events, downsampled.
 *
 * Downsampling: a series never has more than MAX_POINTS points. With n slices, each point is a
 * bucket of k = ceil(n / MAX_POINTS) consecutive slices (a 30-minute run: 1 800 slices, k = 5,
 * 360 points), aggregated so that what matters survives:
 * - counters → a rate: Σ counter / Σ slice seconds (never an average of per-slice rates);
 * - `connected` → the bucket's minimum (a one-second drop of the fleet must stay visible),
 *   `target` → its maximum;
 * - latency p50 → the count-weighted mean of the slices' p50; p99 → the maximum of the slices'
 *   p99 (an upper bound; merging HDR histograms per point would cost a decode per slice and key,
 *   and the table's numbers come from merged histograms anyway);
 * - probe success → Σ ok / Σ total.
 * The error-budget burn is exact: cumulative bad events (engine/slo `tally`, per slice) over
 * the budget of the SLO's own window, so its last point is the table's "budget consumed".
 */

import type { JournalEvent } from '../engine/run/journal-events.js';
import { metricKey } from '../engine/slo/windows.js';
import { metricSources } from './key-slis.js';
import { buckets, MAX_POINTS, type ReportSlice } from './metric-slices.js';
import { scanMetrics } from './metrics-scan.js';

export { MAX_POINTS };

export type ChartUnit = 'ratio' | 'ms' | 'per_s' | 'devices' | 'budget';

export interface Series {
  name: string;
  /** [seconds from the start of the baseline, value]; a missing bucket is a gap. */
  points: [number, number][];
}

export interface Chart {
  id: string;
  title: string;
  unit: ChartUnit;
  series: Series[];
  /** Set when the journal has nothing to draw: the chart renders this, never fake data. */
  noData: string | null;
}

type Aggregate = (bucket: readonly ReportSlice[]) => number | undefined;

const rate =
  (key: string): Aggregate =>
  (bucket) => {
    let sum = 0;
    let ms = 0;
    let seen = false;
    for (const s of bucket) {
      const v = s.counters[key];
      ms += s.durationMs;
      if (v === undefined) continue;
      sum += v;
      seen = true;
    }
    return seen && ms > 0 ? (sum * 1000) / ms : undefined;
  };

const gauge =
  (key: string, pick: 'min' | 'max'): Aggregate =>
  (bucket) => {
    let out: number | undefined;
    for (const s of bucket) {
      const v = s.gauges[key];
      if (v !== undefined) out = out === undefined ? v : Math[pick](out, v);
    }
    return out;
  };

const ratio =
  (good: string, total: string): Aggregate =>
  (bucket) => {
    let g = 0;
    let t = 0;
    for (const s of bucket) {
      g += s.counters[good] ?? 0;
      t += s.counters[total] ?? 0;
    }
    return t > 0 ? g / t : undefined;
  };

const latency =
  (key: string, which: 'p50' | 'p99'): Aggregate =>
  (bucket) => {
    let weighted = 0;
    let count = 0;
    let max: number | undefined;
    for (const s of bucket) {
      const l = s.event.latencies?.[key];
      if (!l?.count) continue;
      weighted += l.p50 * l.count;
      count += l.count;
      max = max === undefined ? l.p99 : Math.max(max, l.p99);
    }
    if (count === 0) return undefined;
    return which === 'p50' ? weighted / count : max;
  };

interface ChartSpec {
  id: string;
  title: string;
  unit: ChartUnit;
  series: { name: string; aggregate: Aggregate }[];
  /** Shown when no series has a point. */
  missing: string;
}

const FLEET_MISSING = 'no data for this run: the journal has no fleet metrics (no simulated fleet took part)';

/** The fleet's charts, as data; keys from engine/slo/catalog.ts. */
function fleetCharts(): ChartSpec[] {
  const k = (m: string) => metricKey('fleet', m);
  return [
    {
      id: 'fleet-connected',
      title: 'Connected devices',
      unit: 'devices',
      series: [
        { name: 'connected (min)', aggregate: gauge(k('connected'), 'min') },
        { name: 'target', aggregate: gauge(k('target'), 'max') },
      ],
      missing: FLEET_MISSING,
    },
    {
      id: 'fleet-throughput',
      title: 'Messages per second',
      unit: 'per_s',
      series: [
        { name: 'published', aggregate: rate(k('published')) },
        { name: 'delivered', aggregate: rate(k('delivered')) },
      ],
      missing: FLEET_MISSING,
    },
    {
      id: 'fleet-e2e-latency',
      title: 'End-to-end latency',
      unit: 'ms',
      series: [
        { name: 'p50', aggregate: latency(k('e2e_latency'), 'p50') },
        { name: 'p99', aggregate: latency(k('e2e_latency'), 'p99') },
      ],
      missing: FLEET_MISSING,
    },
    {
      id: 'fleet-loss',
      title: 'Loss and duplicates',
      unit: 'per_s',
      series: [
        { name: 'lost', aggregate: rate(k('lost')) },
        { name: 'duplicates', aggregate: rate(k('duplicates')) },
      ],
      missing: FLEET_MISSING,
    },
    {
      id: 'fleet-reconnect',
      title: 'Reconnect curve',
      unit: 'per_s',
      series: [
        { name: 'CONNECT attempts', aggregate: rate(k('connect_attempts')) },
        { name: 'CONNACK ok', aggregate: rate(k('connect_ok')) },
      ],
      missing: FLEET_MISSING,
    },
  ];
}

function probeCharts(probe: string): ChartSpec[] {
  const missing = `no data for this run: probe '${probe}' recorded nothing`;
  return [
    {
      id: `probe-${probe}-success`,
      title: `Probe '${probe}': success ratio`,
      unit: 'ratio',
      series: [{ name: 'success', aggregate: ratio(`${probe}.ok`, `${probe}.total`) }],
      missing,
    },
    {
      id: `probe-${probe}-latency`,
      title: `Probe '${probe}': latency`,
      unit: 'ms',
      series: [
        { name: 'p50', aggregate: latency(`${probe}.latency`, 'p50') },
        { name: 'p99', aggregate: latency(`${probe}.latency`, 'p99') },
      ],
      missing,
    },
  ];
}

const round = (v: number) => Number(v.toPrecision(6));

/** A bucket's point sits at its middle: the value describes the whole bucket, not its start. */
const midMs = (g: readonly ReportSlice[]) => (g[0]!.startMs + endMs(g)) / 2;
const endMs = (g: readonly ReportSlice[]) => g[g.length - 1]!.startMs + g[g.length - 1]!.durationMs;

function draw(spec: ChartSpec, groups: readonly ReportSlice[][], originMs: number): Chart {
  const series = spec.series.map(({ name, aggregate }) => ({
    name,
    points: groups.flatMap((g): [number, number][] => {
      const v = aggregate(g);
      return v === undefined ? [] : [[round((midMs(g) - originMs) / 1000), round(v)]];
    }),
  }));
  const empty = series.every((s) => s.points.length === 0);
  return {
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    series: empty ? [] : series,
    noData: empty ? spec.missing : null,
  };
}

/** Every chart of the report, in display order; fleet charts always present (maybe as no data). */
export function buildCharts(events: readonly JournalEvent[]): Chart[] {
  const scan = scanMetrics(events);
  const groups = buckets(scan.slices);
  const probes = metricSources(scan.slices).filter((s) => s.kind === 'probe');
  const specs = [...fleetCharts(), ...probes.flatMap((p) => probeCharts(p.source))];
  return [...specs.map((s) => draw(s, groups, scan.originMs)), scan.burn];
}
