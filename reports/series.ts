/**
 * Chart data for report.html, from the journal's metrics events, downsampled.
 *
 * Time: a point sits at the end of its slice (of its bucket, downsampled), the moment its value
 * was known. A change during the slice [2 s, 3 s] is drawn between 2 s and 3 s, never before
 * the slice began (a point at the middle would draw a drop that starts with a fault from half
 * a slice before the fault).
 *
 * Downsampling: a series never has more than MAX_POINTS points. With n slices, each point is a
 * bucket of k = ceil(n / MAX_POINTS) consecutive slices (a 30-minute run: 1 800 slices, k = 5,
 * 360 points), aggregated so that what matters survives:
 * - counters → a rate: Σ counter / Σ slice seconds (never an average of per-slice rates),
 *   except lost and duplicate messages, which are counts: Σ per point, never labelled `/s`;
 * - `connected` → the bucket's minimum (a one-second drop of the fleet must stay visible),
 *   `target` → its maximum;
 * - latency p50 → the count-weighted mean of the slices' p50; p99 → the maximum of the slices'
 *   p99 (an upper bound; merging HDR histograms per point would cost a decode per slice and key,
 *   and the table's numbers come from merged histograms anyway);
 * - probe success → Σ ok / Σ total.
 * The error-budget burn is exact: cumulative bad events (engine/slo `tally`, per slice) over
 * the budget of the SLO's own window, so its last point is the table's "budget consumed".
 */

import { formatObjective } from '../engine/core/format.js';
import type { JournalEvent, SloResult, VerdictEvent } from '../engine/core/journal-events.js';
import { parseObjective } from '../engine/core/units.js';
import { metricKey, sumCounter } from '../engine/slo/windows.js';
import { metricSources } from './key-slis.js';
import { bucketEndMs, chartBuckets, MAX_POINTS, type ReportSlice } from './metric-slices.js';
import { scanMetrics } from './metrics-scan.js';

export { MAX_POINTS };

export type ChartUnit = 'ratio' | 'ms' | 'per_s' | 'count' | 'devices' | 'budget';

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
  /** Objectives of the run's SLOs on what the chart plots, drawn as horizontal lines. */
  objectives: { label: string; value: number }[];
  /** Set when the journal has nothing to draw: the chart renders this, never fake data. */
  noData: string | null;
}

type Aggregate = (bucket: readonly ReportSlice[]) => number | undefined;

const rate =
  (key: string): Aggregate =>
  (bucket) => {
    const { sum, seen } = sumCounter(bucket, key);
    const ms = bucket.reduce((total, s) => total + s.durationMs, 0);
    return seen && ms > 0 ? (sum * 1000) / ms : undefined;
  };

const total =
  (key: string): Aggregate =>
  (bucket) => {
    const { sum, seen } = sumCounter(bucket, key);
    return seen ? sum : undefined;
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
  /** The SLIs (of which source) whose objectives belong on this chart. */
  objectivesOf?: { source: string; sli: RegExp };
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
      objectivesOf: { source: 'fleet', sli: /^e2e_latency_p/ },
    },
    {
      id: 'fleet-loss',
      title: 'Lost and duplicate messages',
      unit: 'count',
      series: [
        { name: 'lost', aggregate: total(k('lost')) },
        { name: 'duplicates', aggregate: total(k('duplicates')) },
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
      objectivesOf: { source: probe, sli: /^success_ratio$/ },
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
      objectivesOf: { source: probe, sli: /^latency_p/ },
    },
  ];
}

const round = (v: number) => Number(v.toPrecision(6));

/** The objectives of `slos` on what `spec` plots, in the chart's unit. */
function objectivesFor(spec: ChartSpec, slos: readonly SloResult[]): Chart['objectives'] {
  const want = spec.objectivesOf;
  if (!want) return [];
  return slos.flatMap((slo) => {
    if (slo.source !== want.source || !want.sli.test(slo.sli)) return [];
    try {
      const value = parseObjective(slo.objective).value;
      return [{ label: `${slo.name}: ${slo.sli} ${formatObjective(slo.objective, slo.unit)}`, value }];
    } catch {
      return [];
    }
  });
}

function draw(
  spec: ChartSpec,
  groups: readonly ReportSlice[][],
  originMs: number,
  slos: readonly SloResult[],
): Chart {
  const series = spec.series.map(({ name, aggregate }) => ({
    name,
    points: groups.flatMap((g): [number, number][] => {
      const v = aggregate(g);
      return v === undefined ? [] : [[round((bucketEndMs(g) - originMs) / 1000), round(v)]];
    }),
  }));
  const empty = series.every((s) => s.points.length === 0);
  return {
    id: spec.id,
    title: spec.title,
    unit: spec.unit,
    series: empty ? [] : series,
    objectives: empty ? [] : objectivesFor(spec, slos),
    noData: empty ? spec.missing : null,
  };
}

/** Every chart of the report, in display order; fleet charts always present (maybe as no data). */
export function buildCharts(events: readonly JournalEvent[]): Chart[] {
  const scan = scanMetrics(events);
  const groups = chartBuckets(scan.slices);
  const probes = metricSources(scan.slices).filter((s) => s.kind === 'probe');
  const specs = [...fleetCharts(), ...probes.flatMap((p) => probeCharts(p.source))];
  const slos = events.find((e): e is VerdictEvent => e.type === 'verdict')?.slos ?? [];
  return [...specs.map((s) => draw(s, groups, scan.originMs, slos)), scan.burn];
}
