/**
 * Evaluating an SLO in a window, with OpenSLO v1 budgeting. Rules:
 *
 * - **occurrences**: SLI = good / total events in the window (events per measure: measure.ts).
 *   Status compares the SLI's value with the objective (`delivery_ratio >= 99.9%`,
 *   `e2e_latency_p99 <= 500ms`, `messages_lost == 0`). The target that sizes the budget:
 *   ratios → the objective's value; a latency percentile → the percentile
 *   (`p99 <= 500ms`: ≥ 99 % of samples ≤ 500 ms, target 0.99; for `>=`/`>`, 1 − p);
 *   counts (`messages_lost <= N`) → N bad events out of the SLO window's `per` events,
 *   i.e. target = 1 − N/total, so `== 0` is a zero budget (target 1). Single measurements
 *   (`data_loss_window`, `throughput`, `time_to_recover`) have no budget: null.
 * - **timeslices**: each slice with data is good when its own value meets `sliceObjective`
 *   (else the objective); SLI = good slices / slices with data; status compares that fraction
 *   with the target: the objective's value when the objective is a percentage
 *   (`>= 99%` of slices), else the implied target above (percentile/100, or 1: every slice).
 *   The reported value is the fraction (unit `ratio`).
 * - **nodata**: a window with no events (or no slice with data) is `nodata`, never good; its
 *   budget numbers are null.
 * - **budget per window**: allowed bad = (1 − target) × events of the SLO's own window. A
 *   window's `budgetConsumed` = its bad events / that allowance (the share of the SLO's budget
 *   spent inside it; in the SLO's own window this is (1 − SLI)/(1 − target)); its `burnRate`
 *   = (bad/total in the window) / (1 − target). Both are null when the own window is nodata.
 */
import { SquallError } from '../core/errors.js';
import type { SloWindowResult } from '../core/journal-events.js';
import type { MetricSlice } from '../core/metrics.js';
import { meets, type Objective } from '../core/units.js';
import type { SloSpec } from '../spec/schema.js';
import { budgetRatio, reportedRatio } from './budget.js';
import { resolveSloSli, unknownSliMessage } from './catalog.js';
import { readSli, type SliSubject } from './measure.js';
import type { ResolvedSli, SliMeasureKind, SliUnit } from './sli.js';
import { type PhaseBoundaries, slicesIn, type WindowName } from './windows.js';

export type SloStatus = 'met' | 'breached' | 'nodata';
type Threshold = Pick<Objective, 'op' | 'value'>;

/** The fields of an SLO the math reads. */
export type SloMath = Pick<SloSpec, 'sli' | 'source' | 'objective' | 'budgeting' | 'sliceObjective'>;

/**
 * The SLO's SLI and source (default `fleet`); throws `SQUALL_SLI_UNKNOWN` for an unknown name.
 * With the SLO's name, a PromQL SLI reads that SLO's own keys (catalog.ts `resolveSloSli`).
 */
export function subjectOf(slo: Pick<SloSpec, 'sli' | 'source'> & { name?: string }): SliSubject {
  const sli = resolveSloSli(slo.sli, slo.name);
  if (!sli) throw new SquallError('SQUALL_SLI_UNKNOWN', unknownSliMessage(slo.sli));
  return { sli, source: slo.source ?? 'fleet' };
}

const HIGHER_IS_BETTER = new Set(['>=', '>']);
const LOWER_IS_BETTER = new Set(['<=', '<']);

type TargetRule = (objective: Objective, sli: ResolvedSli, totalEvents: number) => number | null;

const ratioTarget: TargetRule = ({ op, value, unit }) =>
  unit === 'ratio' && HIGHER_IS_BETTER.has(op) ? value : null;
const noBudget: TargetRule = () => null;

/** The occurrences target per measure kind (see the module doc). */
const OCCURRENCES_TARGET: Readonly<Record<SliMeasureKind, TargetRule>> = {
  ratio: ratioTarget,
  gauge_ratio: ratioTarget,
  // `p99 <= 500ms`: 99 % of samples at or under; `p1 >= 10ms`: 99 % at or over.
  percentile: ({ op }, { percentile }) => {
    if (percentile === undefined) return null;
    if (LOWER_IS_BETTER.has(op)) return percentile / 100;
    return HIGHER_IS_BETTER.has(op) ? 1 - percentile / 100 : null;
  },
  // `<= N`, `== N` and `< N` all allow N bad events (for `<`, spending all of it breaches).
  counter: ({ op, value }, _sli, totalEvents) =>
    (LOWER_IS_BETTER.has(op) || op === '==') && totalEvents > 0 ? Math.max(0, 1 - value / totalEvents) : null,
  // Every slice must meet the objective (the window's value is its worst slice); a budget of
  // bad slices is budgeting: timeslices with a sliceObjective.
  sample: () => 1,
  gauge_max: noBudget,
  rate: noBudget,
  derived: noBudget,
};

/** The occurrences target (see the module doc); null when the SLO has no event budget. */
export function occurrencesTarget(slo: SloMath, sli: ResolvedSli, totalEvents: number): number | null {
  return OCCURRENCES_TARGET[sli.definition.compute.measure](slo.objective, sli, totalEvents);
}

/** What the fraction of good slices must meet (see the module doc). */
export function timeslicesTarget(slo: SloMath, sli: ResolvedSli): Threshold {
  const { op, value, unit } = slo.objective;
  if (unit === 'ratio' && HIGHER_IS_BETTER.has(op)) return { op, value };
  // Percentiles imply their target; anything else (counts, ms, rates) asks every slice to be good.
  const implied = sli.definition.compute.measure === 'percentile' ? occurrencesTarget(slo, sli, 1) : null;
  return { op: '>=', value: implied ?? 1 };
}

/** A window's tally: the SLI's value and the good/total the budget counts. */
export interface Tally {
  status: SloStatus;
  value: number | null;
  good: number;
  total: number;
  /** Whether good/total are budgeted events (or slices); false for single measurements. */
  budgeted: boolean;
}

function statusOf(value: number | null, threshold: Threshold): SloStatus {
  if (value === null) return 'nodata';
  return meets(value, threshold) ? 'met' : 'breached';
}

/** Tallies `slices` under the SLO's budgeting method. */
export function tally(slo: SloMath, subject: SliSubject, slices: readonly MetricSlice[]): Tally {
  if (slo.budgeting === 'timeslices') {
    const sliceObjective = slo.sliceObjective ?? slo.objective;
    let good = 0;
    let total = 0;
    for (const slice of slices) {
      const r = readSli(subject, sliceObjective, [slice], false);
      if (r.value === null) continue; // a slice without data is neither good nor bad
      total++;
      if (meets(r.value, sliceObjective)) good++;
    }
    const value = total > 0 ? good / total : null;
    return {
      status: statusOf(value, timeslicesTarget(slo, subject.sli)),
      value,
      good,
      total,
      budgeted: true,
    };
  }
  const r = readSli(subject, slo.objective, slices);
  return { status: statusOf(r.value, slo.objective), ...r };
}

/**
 * 1 − target: the share of events (or slices) that may be bad; null without a budget.
 * `totalEvents` (of the SLO's own window) matters only for counts, whose target is 1 − N/total.
 */
export function allowedErrorRate(slo: SloMath, sli: ResolvedSli, totalEvents: number): number | null {
  const target =
    slo.budgeting === 'timeslices'
      ? timeslicesTarget(slo, sli).value
      : occurrencesTarget(slo, sli, totalEvents);
  return target === null ? null : 1 - target;
}

/** Bad events (or slices) the SLO may have in its own window; null without a budget. */
export function allowedBad(slo: SloMath, subject: SliSubject, own: Tally): number | null {
  if (own.status === 'nodata' || !own.budgeted) return null;
  const rate = allowedErrorRate(slo, subject.sli, own.total);
  return rate === null ? null : rate * own.total;
}

/** A window's result; `own` is the tally of the SLO's own window, which sizes the budget. */
function windowResult(window: WindowName, t: Tally, own: Tally, allowed: number | null): SloWindowResult {
  const bad = t.total - t.good;
  const usable = allowed !== null && t.status !== 'nodata';
  return {
    window,
    status: t.status,
    value: t.value,
    good: t.good,
    total: t.total,
    budgetConsumed: usable ? reportedRatio(budgetRatio(bad, allowed)) : null,
    burnRate: usable && t.total > 0 ? reportedRatio(budgetRatio(bad / t.total, allowed / own.total)) : null,
  };
}

/**
 * Compliance of one SLO for the resilience score: 1 when met, 0 when nodata (a missing
 * measurement must not raise the score), else value/threshold for `>=`/`>` and
 * threshold/value for `<=`/`<`, clipped to [0, 1]; 0 for a breached `==`/`!=`.
 */
export function compliance(status: SloStatus, value: number | null, threshold: Threshold): number {
  if (status === 'met') return 1;
  if (status === 'nodata' || value === null) return 0;
  let c = 0;
  if (HIGHER_IS_BETTER.has(threshold.op)) c = threshold.value > 0 ? value / threshold.value : 0;
  else if (LOWER_IS_BETTER.has(threshold.op)) c = value > 0 ? threshold.value / value : 0;
  return Math.min(1, Math.max(0, c));
}

/** The threshold the SLO's status (and compliance) compares with. */
export function statusThreshold(slo: SloMath, sli: ResolvedSli): Threshold {
  return slo.budgeting === 'timeslices' ? timeslicesTarget(slo, sli) : slo.objective;
}

/** The unit of the SLO's reported value: a fraction of slices for timeslices. */
export function reportedUnit(slo: SloMath, sli: ResolvedSli): SliUnit {
  return slo.budgeting === 'timeslices' ? 'ratio' : sli.definition.unit;
}

/** Each window's tally and result, for SLIs measured from slices (not `time_to_recover`). */
export function evaluateWindows(
  slo: SloMath & Pick<SloSpec, 'window'>,
  slices: readonly MetricSlice[],
  phases: PhaseBoundaries,
  windows: readonly WindowName[],
): { own: Tally; results: SloWindowResult[] } {
  const subject = subjectOf(slo);
  const own = tally(slo, subject, slicesIn(slices, phases[slo.window]));
  const allowed = allowedBad(slo, subject, own);
  const results = windows.map((w) =>
    windowResult(w, tally(slo, subject, slicesIn(slices, phases[w])), own, allowed),
  );
  return { own, results };
}

export interface LiveValue {
  value: number | null;
  unit: SliUnit;
  status: SloStatus;
}

/**
 * The SLI over the last `lastNSlices` slices, for a live progress line. The value is the SLI
 * itself (not a fraction of slices) compared with `sliceObjective` for timeslices SLOs, else
 * the objective. `time_to_recover` has no live value (nodata).
 */
export function currentValue(slo: SloMath, slices: readonly MetricSlice[], lastNSlices = 5): LiveValue {
  const subject = subjectOf(slo);
  const recent = slices.slice(-Math.max(1, lastNSlices));
  const threshold = slo.budgeting === 'timeslices' ? (slo.sliceObjective ?? slo.objective) : slo.objective;
  const { value } = readSli(subject, threshold, recent, false);
  return { value, unit: subject.sli.definition.unit, status: statusOf(value, threshold) };
}
