/**
 * Scoring a run: every SLO in every window (run, baseline, fault, recovery) for the
 * side-by-side report, its status decided in its own `window`; then the verdict and the
 * resilience score.
 *
 * - Expectation: each SLO expects `met` unless it (or the experiment) says `expect: breached`,
 *   a negative control: a breach the experiment exists to show.
 * - Verdict: `rejected` when any SLO came out other than expected (breached when it should
 *   hold, met when it should breach); else `inconclusive` when any is nodata (we could not
 *   tell, whichever was expected), or when there are no SLOs at all; else `holds`.
 * - Resilience score 0–100 = weighted mean of per-SLO compliance (evaluate.ts `compliance`:
 *   1 when met, value/target or target/value clipped to [0, 1] when breached, 0 when nodata, so
 *   a run that measured nothing scores 0, not 100). Rounded to one decimal; 0 without SLOs.
 *   It measures the system against its objectives, whatever was expected: an expected breach
 *   lowers it like any other (a negative control's system is not resilient to its fault, and
 *   its score says so next to its positive twin's), and the verdict, not the score, says
 *   whether the run went as the experiment predicted.
 * - `time_to_recover`, `rto` and `rpo` are one measurement over the whole run (recovery.ts,
 *   disaster.ts); each is reported in the `run` window and in the SLO's own window, and is
 *   nodata in the others. Never recovered is breached whatever the objective says, with
 *   compliance 0 and a note.
 * - Budget numbers are finite in the result (`REPORTED_RATIO_CAP`, budget.ts).
 */
import type { SloResult, SloWindowResult } from '../core/journal-events.js';
import type { MetricSlice } from '../core/metrics.js';
import { meets } from '../core/units.js';
import type { Expectation, SloSpec } from '../spec/schema.js';
import { recoveryPoint, recoveryTime } from './disaster.js';
import {
  compliance,
  evaluateWindows,
  reportedUnit,
  type SloStatus,
  statusThreshold,
  subjectOf,
  tally,
} from './evaluate.js';
import { checkedAtPreflight } from './preflight.js';
import { type FaultTiming, recoveryCriterion, timeToRecover } from './recovery.js';
import type { Derivation } from './sli.js';
import { type PhaseBoundaries, WINDOW_NAMES } from './windows.js';

export interface ScoreInput {
  /** Already validated (schema.ts). */
  slos: readonly SloSpec[];
  slices: readonly MetricSlice[];
  phases: PhaseBoundaries;
  faults: readonly FaultTiming[];
  /** The experiment's `expect`: the default of SLOs without one of their own. */
  expect?: Expectation;
}

/** Something a reader of the verdict must know that a status cannot say. */
export interface SloNote {
  slo: string;
  message: string;
}

export type Hypothesis = 'holds' | 'rejected' | 'inconclusive';

export interface RunScore {
  slos: SloResult[];
  hypothesis: Hypothesis;
  resilienceScore: number;
  notes: SloNote[];
}

export function verdictOf(results: readonly Pick<SloResult, 'status' | 'expect'>[]): Hypothesis {
  if (results.some((r) => r.status !== 'nodata' && r.status !== (r.expect ?? 'met'))) return 'rejected';
  if (results.length === 0 || results.some((r) => r.status === 'nodata')) return 'inconclusive';
  return 'holds';
}

export function resilienceScore(results: readonly Pick<SloResult, 'compliance' | 'weight'>[]): number {
  const weight = results.reduce((sum, r) => sum + r.weight, 0);
  if (weight <= 0) return 0;
  const score = (100 * results.reduce((sum, r) => sum + r.weight * r.compliance, 0)) / weight;
  return Math.round(score * 10) / 10;
}

function base(slo: SloSpec) {
  return {
    name: slo.name,
    sli: slo.sli,
    source: slo.source ?? 'fleet',
    objective: slo.objective.text,
    window: slo.window,
    budgeting: slo.budgeting,
    weight: slo.weight,
  };
}

/** A single after-the-fact measurement: reported in the `run` window and the SLO's own window. */
function singleMeasurement(
  slo: SloSpec,
  value: number | null,
  status: SloStatus,
  compliant: number,
): SloResult {
  const windows: SloWindowResult[] = WINDOW_NAMES.map((window) =>
    window === 'run' || window === slo.window
      ? {
          window,
          status,
          value,
          good: status === 'met' ? 1 : 0,
          total: value === null ? 0 : 1,
          budgetConsumed: null,
          burnRate: null,
        }
      : { window, status: 'nodata', value: null, good: 0, total: 0, budgetConsumed: null, burnRate: null },
  );
  return { ...base(slo), status, value, unit: 'ms', compliance: compliant, budgetConsumed: null, windows };
}

/** `time_to_recover` (from the fault's end) and `rto` (from its start) share the recovery rules. */
function scoreRecovery(slo: SloSpec, input: ScoreInput, notes: SloNote[], fromStart: boolean): SloResult {
  const criterion = recoveryCriterion(slo.params, slo.source);
  const measure = fromStart ? recoveryTime : timeToRecover;
  const ttr = measure(criterion, input.slices, input.faults, input.phases.run[1]);
  const value = ttr.valueMs;
  const status: SloStatus =
    value === null ? 'nodata' : ttr.status === 'never' || !meets(value, slo.objective) ? 'breached' : 'met';
  for (const r of ttr.perFault.filter((f) => f.status === 'never')) {
    notes.push({
      slo: slo.name,
      message: `never recovered from fault '${r.fault}': ${criterion.subject.sli.definition.name} ${criterion.objective.text} did not hold for ${criterion.stableMs} ms before the run ended; the value is the time from the fault until the end of the run`,
    });
  }
  // Never recovered: the value is only a lower bound, so it earns nothing.
  return singleMeasurement(
    slo,
    value,
    status,
    ttr.status === 'never' ? 0 : compliance(status, value, slo.objective),
  );
}

function scoreRecoveryPoint(slo: SloSpec, input: ScoreInput): SloResult {
  const point = recoveryPoint(input.slices, input.faults);
  const status: SloStatus =
    point.valueMs === null ? 'nodata' : meets(point.valueMs, slo.objective) ? 'met' : 'breached';
  return singleMeasurement(slo, point.valueMs, status, compliance(status, point.valueMs, slo.objective));
}

type DerivedScorer = (slo: SloSpec, input: ScoreInput, notes: SloNote[]) => SloResult;

/** One scorer per SLI measured from the timeline (a table, not a branch per name). */
const DERIVED: Readonly<Record<Derivation, DerivedScorer>> = {
  time_to_recover: (slo, input, notes) => scoreRecovery(slo, input, notes, false),
  rto: (slo, input, notes) => scoreRecovery(slo, input, notes, true),
  rpo: scoreRecoveryPoint,
};

function scoreSlo(slo: SloSpec, input: ScoreInput, notes: SloNote[]): SloResult {
  const { sli } = subjectOf(slo);
  const compute = sli.definition.compute;
  if (compute.measure === 'derived') return DERIVED[compute.derivation](slo, input, notes);
  const { own, results } = evaluateWindows(slo, input.slices, input.phases, WINDOW_NAMES);
  const mine = results.find((r) => r.window === slo.window)!;
  return {
    ...base(slo),
    status: own.status,
    value: own.value,
    unit: reportedUnit(slo, sli),
    compliance: compliance(own.status, own.value, statusThreshold(slo, sli)),
    budgetConsumed: mine.budgetConsumed,
    windows: results,
  };
}

/** Scores every SLO; pure, no I/O. */
export function scoreRun(input: ScoreInput): RunScore {
  const notes: SloNote[] = [];
  const slos = input.slos.map((slo): SloResult => {
    const { windows, ...result } = scoreSlo(slo, input, notes);
    return { ...result, expect: slo.expect ?? input.expect ?? 'met', windows };
  });
  for (const r of slos.filter((s) => s.status === 'nodata')) {
    notes.push({ slo: r.name, message: `no data in the ${r.window} window for ${r.sli} from '${r.source}'` });
  }
  return {
    slos,
    hypothesis: verdictOf(slos),
    resilienceScore: resilienceScore(slos),
    notes,
  };
}

export interface SteadyState {
  /** False when any preflight SLO is breached over the slices. */
  holds: boolean;
  slos: { name: string; status: SloStatus; value: number | null }[];
}

/**
 * The preflight gate: every SLO it checks (preflight.ts: steady-state windows and SLIs, unless
 * `preflight:` says otherwise) over `slices` (the preflight window), under its own budgeting.
 * Only a breach refutes steady state: nodata does not (a quiet source, an SLI of rare events
 * asked for with `preflight: true`) but is listed so the runner can say so.
 */
export function steadyState(slos: readonly SloSpec[], slices: readonly MetricSlice[]): SteadyState {
  const results = slos.filter(checkedAtPreflight).map((slo) => {
    const { status, value } = tally(slo, subjectOf(slo), slices);
    return { name: slo.name, status, value };
  });
  return { holds: results.every((r) => r.status !== 'breached'), slos: results };
}
