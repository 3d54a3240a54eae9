/**
 * Reading an SLI over a set of slices: its value, and the good/total events OpenSLO's
 * `occurrences` budgeting counts. One reader per measure kind, in a table.
 *
 * Events per measure (what one "occurrence" is):
 * - `ratio`: the counters themselves (`delivered` of `expected`).
 * - `percentile`: latency samples; good = samples meeting the objective's threshold
 *   (`e2e_latency_p99 <= 500ms`: samples ≤ 500 ms), total = all samples. The value is the
 *   percentile of the merged histogram, so `p99 <= 500ms` holds when ≥ 99 % of samples are
 *   ≤ 500 ms (up to hdr-histogram-js rounding the rank to the nearest sample). Both read HDR buckets by their highest equivalent value (3 significant
 *   digits), so a sample within 0.1 % of the threshold may count as above it, in both.
 * - `counter` (`messages_lost`): bad = the counter, total = the `per` counter (`expected`),
 *   good = total − bad. The value is the bad count itself.
 * - `gauge_ratio` (`connected_ratio`): device-seconds, Σ connected·s of Σ target·s.
 * - `sample` (`promql`): one value per slice; good/total = slices meeting the objective / slices
 *   with a value, and the window's value is its worst slice (so `met` means every slice met it).
 * - `gauge_max`, `rate`: one measurement, not events: good/total is 1/1 when the value meets
 *   the objective, else 0/1, and there is no error budget.
 * - `derived` (`time_to_recover`) is measured from the timeline by recovery.ts, not here.
 *
 * No events (total = 0, an empty histogram, no slice carrying the key) is `nodata`: value null.
 */

import type { MetricSlice } from '../core/metrics.js';
import { type Histogram, percentileMs } from '../core/metrics.js';
import type { Comparator, Objective } from '../core/units.js';
import { meets } from '../core/units.js';
import { isFleetSource } from './catalog.js';
import type { ResolvedSli, SliMeasure, SliMeasureKind } from './sli.js';
import { durationS, maxGauge, mergeHistograms, metricKey, sumCounter, sumGaugeSeconds } from './windows.js';

/** An SLI and the source whose metrics it reads (`fleet`, `fleet.acme`, or a probe name). */
export interface SliSubject {
  readonly sli: ResolvedSli;
  readonly source: string;
}

export interface SliReading {
  /** The SLI's value in its unit (ratio, ms, count, per s); null when there is no data. */
  value: number | null;
  /** Good events (occurrences budgeting). */
  good: number;
  /** All events; 0 with `value: null`. */
  total: number;
  /** True when good/total are events with an error budget; false for single measurements. */
  budgeted: boolean;
}

const NODATA: SliReading = { value: null, good: 0, total: 0, budgeted: false };

type Reader<K extends SliMeasureKind> = (
  compute: Extract<SliMeasure, { measure: K }>,
  subject: SliSubject,
  objective: Pick<Objective, 'op' | 'value'>,
  slices: readonly MetricSlice[],
  countEvents: boolean,
) => SliReading;

function single(value: number | undefined, objective: Pick<Objective, 'op' | 'value'>): SliReading {
  if (value === undefined) return NODATA;
  const good = meets(value, objective) ? 1 : 0;
  return { value, good, total: 1, budgeted: false };
}

const READERS: { readonly [K in SliMeasureKind]: Reader<K> } = {
  ratio: (c, { source }, _o, slices) => {
    const good = sumCounter(slices, metricKey(source, c.good)).sum;
    const total = sumCounter(slices, metricKey(source, c.total)).sum;
    if (total <= 0) return NODATA;
    return { value: good / total, good, total, budgeted: true };
  },
  percentile: (c, { source, sli }, objective, slices, countEvents) => {
    const h = mergeHistograms(slices, metricKey(source, c.histogram));
    const value = percentileMs(h, sli.percentile ?? 50);
    if (value === undefined) return NODATA;
    // Counting is a binary search over ranks; skip it when only the value is wanted.
    const good = countEvents ? LATENCY_GOOD[objective.op](h, Math.round(objective.value * 1000)) : 0;
    return { value, good, total: h.totalCount, budgeted: true };
  },
  counter: (c, { source }, _o, slices) => {
    const bad = sumCounter(slices, metricKey(source, c.counter)).sum;
    // A loss can be declared in a slice that expected nothing (sequence gaps are found late).
    const total = Math.max(sumCounter(slices, metricKey(source, c.per)).sum, bad);
    if (total <= 0) return NODATA;
    return { value: bad, good: total - bad, total, budgeted: true };
  },
  gauge_ratio: (c, { source }, _o, slices) => {
    const { value, of } = sumGaugeSeconds(slices, metricKey(source, c.gauge), metricKey(source, c.of));
    if (of <= 0) return NODATA;
    const good = Math.min(value, of);
    return { value: good / of, good, total: of, budgeted: true };
  },
  sample: (c, { source }, objective, slices) => {
    const key = metricKey(source, c.gauge);
    let good = 0;
    let total = 0;
    let worst: number | undefined;
    for (const s of slices) {
      const v = s.gauges[key];
      if (v === undefined) continue;
      total++;
      if (meets(v, objective)) good++;
      worst = worst === undefined || isWorse(v, worst, objective) ? v : worst;
    }
    if (worst === undefined) return NODATA;
    return { value: worst, good, total, budgeted: true };
  },
  gauge_max: (c, { source }, objective, slices) =>
    single(maxGauge(slices, metricKey(source, c.gauge)), objective),
  rate: (c, { source }, objective, slices) => {
    const counter = isFleetSource(source) ? c.counter : c.probeCounter;
    const { sum, seen } = sumCounter(slices, metricKey(source, counter));
    const seconds = durationS(slices);
    return single(seen && seconds > 0 ? sum / seconds : undefined, objective);
  },
  derived: () => NODATA,
};

/**
 * Whether `a` is a worse value than `b` under the objective: lower for `>=`/`>`, higher for
 * `<=`/`<`; for `==`/`!=` a failing value is worse than a passing one (the first failing one kept).
 */
function isWorse(a: number, b: number, objective: Pick<Objective, 'op' | 'value'>): boolean {
  if (objective.op === '>=' || objective.op === '>') return a < b;
  if (objective.op === '<=' || objective.op === '<') return a > b;
  return !meets(a, objective) && meets(b, objective);
}

/** Samples (µs) at or below `us`: the largest rank whose value (HDR highest-equivalent) is ≤ `us`. */
export function countAtOrBelowUs(h: Histogram, us: number): number {
  const total = h.totalCount;
  let lo = 0; // rank known ≤ us (rank 0: none)
  let hi = total + 1; // first rank known > us
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    // hdr-histogram-js rounds percentile × count to the nearest rank, so this hits rank `mid`.
    if (h.getValueAtPercentile((100 * mid) / total) <= us) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Good latency samples for each comparator a latency objective may use (threshold in µs). */
const LATENCY_GOOD: Readonly<Record<Comparator, (h: Histogram, us: number) => number>> = {
  '<=': (h, us) => countAtOrBelowUs(h, us),
  '<': (h, us) => countAtOrBelowUs(h, us - 1),
  '>=': (h, us) => h.totalCount - countAtOrBelowUs(h, us - 1),
  '>': (h, us) => h.totalCount - countAtOrBelowUs(h, us),
  '==': (h, us) => countAtOrBelowUs(h, us) - countAtOrBelowUs(h, us - 1),
  '!=': (h, us) => h.totalCount - (countAtOrBelowUs(h, us) - countAtOrBelowUs(h, us - 1)),
};

/**
 * The SLI over `slices`. `objective` decides which latency samples are good and whether a
 * single measurement is good; it does not change the value. With `countEvents: false` latency
 * samples are not counted (good is 0): for callers that only compare the value.
 */
export function readSli(
  subject: SliSubject,
  objective: Pick<Objective, 'op' | 'value'>,
  slices: readonly MetricSlice[],
  countEvents = true,
): SliReading {
  const compute = subject.sli.definition.compute;
  const reader = READERS[compute.measure] as Reader<typeof compute.measure>;
  return reader(compute as never, subject, objective, slices, countEvents);
}
