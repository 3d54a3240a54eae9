/**
 * Abort guards evaluated on the slices closed so far: threshold guards (`when: connected_ratio
 * < 50%`, `for: 30s`) and multiwindow burn-rate guards (SRE Workbook ch. 5, scaled by
 * `planBurnRateGuard` in budget.ts).
 *
 * Threshold guard rules: the condition is read per slice (the SLI over that slice alone). It
 * has held for the span from the start of the earliest slice of the current unbroken run of
 * slices meeting it to the end of the latest slice with data; it trips when that span is at
 * least `forMs` (`for: 0s` trips on one slice). Slices without data neither trip nor reset: a
 * probe that runs every 5 s has data in one slice of five, and a fleet with no traffic must not
 * abort a run, but the latest slice with data must itself meet the condition.
 */
import { SquallError } from '../core/errors.js';
import type { MetricSlice } from '../core/metrics.js';
import type { Objective } from '../core/units.js';
import { meets, parseObjective } from '../core/units.js';
import { type BurnRateGuardPlan, budgetRatio, burnRateGuardFires } from './budget.js';
import { resolveSli, unknownSliMessage } from './catalog.js';
import { allowedErrorRate, type SloMath, subjectOf, tally } from './evaluate.js';
import { readSli } from './measure.js';
import { slicesIn } from './windows.js';

export interface ThresholdGuard {
  /** SLI name as written (`connected_ratio`, `latency_p99`). */
  sli: string;
  /** Default `fleet`. */
  source?: string;
  /** The trip condition: `< 50%` trips when the SLI is below 50 %. */
  objective: Pick<Objective, 'op' | 'value'>;
  forMs: number;
}

export interface ThresholdGuardState {
  tripped: boolean;
  /** How long the condition has held continuously, up to the latest slice with data. */
  heldMs: number;
  /** Start of the slice where the current hold began; null when it does not hold. */
  sinceMs: number | null;
  /** The SLI in the latest slice with data. */
  value: number | null;
}

function closedBy(slices: readonly MetricSlice[], nowMs: number): MetricSlice[] {
  return slices.filter((s) => s.startMs + s.durationMs <= nowMs).sort((a, b) => a.startMs - b.startMs);
}

export function evaluateThresholdGuard(
  guard: ThresholdGuard,
  slices: readonly MetricSlice[],
  nowMs: number,
): ThresholdGuardState {
  const subject = subjectOf({ sli: guard.sli, source: guard.source });
  const closed = closedBy(slices, nowMs);
  let latest: { endMs: number; value: number } | undefined;
  let sinceMs: number | null = null;
  for (let i = closed.length - 1; i >= 0; i--) {
    const slice = closed[i]!;
    const { value } = readSli(subject, guard.objective, [slice], false);
    if (value === null) continue;
    latest ??= { endMs: slice.startMs + slice.durationMs, value };
    if (!meets(value, guard.objective)) break;
    sinceMs = slice.startMs;
  }
  const heldMs = latest && sinceMs !== null ? latest.endMs - sinceMs : 0;
  return {
    tripped: sinceMs !== null && heldMs >= guard.forMs,
    heldMs,
    sinceMs,
    value: latest?.value ?? null,
  };
}

const CONDITION_RE = /^\s*([a-z0-9_.]+)\s*((?:>=|<=|==|!=|>|<).*)$/i;

/** `connected_ratio < 50%` → the SLI name and the trip condition; throws for a malformed text. */
export function parseGuardCondition(when: string): { sli: string; objective: Objective } {
  const m = CONDITION_RE.exec(when);
  if (!m) {
    throw new SquallError(
      'SQUALL_SPEC_INVALID',
      `expected '<sli> <comparator> <value>', such as 'connected_ratio < 50%', got '${when}'`,
    );
  }
  const sli = m[1]!;
  if (!resolveSli(sli)) throw new SquallError('SQUALL_SLI_UNKNOWN', unknownSliMessage(sli));
  return { sli, objective: parseObjective(m[2]!) };
}

export interface BurnRateGuardState {
  fired: boolean;
  /** Burn rates over the long and short windows; null when a window has no events. */
  longBurnRate: number | null;
  shortBurnRate: number | null;
  factor: number;
}

/**
 * Burn rate of `slo` over each window of the plan, ending at `nowMs`: (bad/total in the window)
 * / (1 − target). Count SLOs size their target by the events closed so far (1 − N/total); an
 * SLO without an event budget never fires. Both windows must exceed the factor.
 */
export function evaluateBurnRateGuard(
  plan: BurnRateGuardPlan,
  slo: SloMath,
  slices: readonly MetricSlice[],
  nowMs: number,
): BurnRateGuardState {
  const subject = subjectOf(slo);
  const closed = closedBy(slices, nowMs);
  // Only counts size their budget by the events so far (target 1 − N/total); counters are cheap
  // to sum, whereas merging every histogram of the run each second is not.
  const sizedByTotal =
    slo.budgeting === 'occurrences' && subject.sli.definition.compute.measure === 'counter';
  const totalSoFar = sizedByTotal ? readSli(subject, slo.objective, closed).total : 1;
  const errorRate = allowedErrorRate(slo, subject.sli, totalSoFar);
  const burnOver = (windowMs: number): number | null => {
    if (errorRate === null) return null;
    const t = tally(slo, subject, slicesIn(closed, [nowMs - windowMs, nowMs]));
    return t.total > 0 && t.budgeted ? budgetRatio((t.total - t.good) / t.total, errorRate) : null;
  };
  const longBurnRate = burnOver(plan.longWindowMs);
  const shortBurnRate = burnOver(plan.shortWindowMs);
  return {
    fired: burnRateGuardFires(longBurnRate, shortBurnRate, plan.factor),
    longBurnRate,
    shortBurnRate,
    factor: plan.factor,
  };
}
