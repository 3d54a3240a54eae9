/**
 * The runner's view of SLO scoring (engine/slo): preflight steady state, live guards, live
 * SLI values for the progress line, and the final score. Guard plans are computed once per
 * experiment, not every slice.
 */

import type { SloResult } from '../core/journal-events.js';
import type { MetricSlice } from '../core/metrics.js';
import { planBurnRateGuard } from '../slo/budget.js';
import { evaluateBurnRateGuard, evaluateThresholdGuard, parseGuardCondition } from '../slo/guards.js';
import type { FaultTiming } from '../slo/recovery.js';
import { scoreRun, steadyState } from '../slo/score.js';
import type { Span } from '../slo/windows.js';
import type { Experiment, GuardSpec } from '../spec/schema.js';
import { buildPlan } from './plan.js';

/** Phase spans as the run goes; a window not reached yet is absent. */
export type PhaseBounds = Partial<Record<'run' | 'baseline' | 'fault' | 'recovery', [number, number]>>;

type CompiledGuard = (slices: readonly MetricSlice[], nowMs: number) => string | undefined;

const compiledGuards = new WeakMap<Experiment, { name: string; check: CompiledGuard }[]>();

/** A guard's name in the journal (`guard.tripped`): its `name`, else its condition, else its place. */
export function guardName(guard: Pick<GuardSpec, 'name' | 'when'>, index: number): string {
  return guard.name ?? (guard.when ? guard.when : `guard-${index}`);
}

function compileGuards(experiment: Experiment): { name: string; check: CompiledGuard }[] {
  const cached = compiledGuards.get(experiment);
  if (cached) return cached;
  const runLengthMs = buildPlan(experiment).runMs;
  const compiled = experiment.guards.map((guard, i) => {
    const name = guardName(guard, i);
    if (guard.burnRate) {
      const slo = experiment.slos.find((s) => s.name === guard.burnRate!.slo)!;
      const plan = planBurnRateGuard({
        runLengthMs,
        factor: guard.burnRate.factor,
        longWindowMs: guard.burnRate.longWindow,
      });
      const check: CompiledGuard = (slices, nowMs) => {
        const state = evaluateBurnRateGuard(plan, slo, slices, nowMs);
        return state.fired
          ? `SLO '${slo.name}' burning its error budget at ${state.longBurnRate?.toFixed(1)}× over ${plan.longWindowMs} ms and ${state.shortBurnRate?.toFixed(1)}× over ${plan.shortWindowMs} ms (limit ${plan.factor.toFixed(1)}×)`
          : undefined;
      };
      return { name, check };
    }
    const condition = parseGuardCondition(guard.when!);
    const check: CompiledGuard = (slices, nowMs) => {
      const state = evaluateThresholdGuard(
        { sli: condition.sli, source: guard.source, objective: condition.objective, forMs: guard.for },
        slices,
        nowMs,
      );
      return state.tripped
        ? `${condition.sli}${guard.source ? ` (${guard.source})` : ''} ${condition.objective.text} for ${state.heldMs} ms`
        : undefined;
    };
    return { name, check };
  });
  compiledGuards.set(experiment, compiled);
  return compiled;
}

export const scoring = {
  /** The preflight gate: every preflight SLO must not be breached over the preflight slices. */
  checkSteadyState(
    experiment: Experiment,
    slices: readonly MetricSlice[],
    fromMs: number,
    toMs: number,
  ): { ok: boolean; failures: string[] } {
    const window = slices.filter((s) => s.startMs >= fromMs && s.startMs < toMs);
    const state = steadyState(experiment.slos, window);
    const failures = state.slos
      .filter((s) => s.status === 'breached')
      .map((s) => {
        const slo = experiment.slos.find((x) => x.name === s.name)!;
        return `${s.name}: ${slo.sli} is ${s.value === null ? 'no data' : s.value} against ${slo.objective.text}`;
      });
    return { ok: state.holds, failures };
  },

  /** The first guard that trips on the slices so far, if any. */
  evaluateGuards(
    experiment: Experiment,
    slices: readonly MetricSlice[],
    nowMs: number,
    _bounds: PhaseBounds,
  ): { guard: string; reason: string } | undefined {
    for (const guard of compileGuards(experiment)) {
      const reason = guard.check(slices, nowMs);
      if (reason) return { guard: guard.name, reason };
    }
    return undefined;
  },

  /**
   * The final score. A run without SLOs has no hypothesis to reject: it "holds" (exit 0), so
   * fault-only runs (drills, benchmarks) do not fail CI.
   */
  score(
    experiment: Experiment,
    slices: readonly MetricSlice[],
    bounds: PhaseBounds,
    faults: readonly FaultTiming[],
  ): { slos: SloResult[]; hypothesis: 'holds' | 'rejected' | 'inconclusive'; resilienceScore: number } {
    const run = bounds.run!;
    const orEmpty = (span: [number, number] | undefined): Span => span ?? [run[1], run[1]];
    const result = scoreRun({
      slos: experiment.slos,
      slices,
      phases: {
        run,
        baseline: orEmpty(bounds.baseline),
        fault: orEmpty(bounds.fault),
        recovery: orEmpty(bounds.recovery),
      },
      faults,
      expect: experiment.expect,
    });
    if (experiment.slos.length === 0) return { ...result, hypothesis: 'holds', resilienceScore: 100 };
    return result;
  },
};
