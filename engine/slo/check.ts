/**
 * Load-time checks only the SLO math knows about (so a typo fails `squall validate`,
 * never minute 40 of a game day). engine/spec/validate.ts already checks SLI names, sources,
 * objective units and the timeslices fields; these add what depends on how an SLI is computed:
 * the recovery params of `time_to_recover` and `rto`, params given to SLIs that take none, timeslices or guards on a
 * single after-the-fact measurement, and burn-rate guards on SLOs without an error budget.
 * Each problem carries a path relative to the SLO or guard; unknown SLIs are left to validate.ts.
 */
import type { GuardSpec, SloSpec } from '../spec/schema.js';
import { resolveSli } from './catalog.js';
import { occurrencesTarget } from './evaluate.js';
import { recoveryCriterion } from './recovery.js';
import type { ResolvedSli } from './sli.js';

export interface SloProblem {
  /** Dotted path inside the SLO or guard, e.g. `params.of` or `burnRate.slo`. */
  path: string;
  message: string;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const isDerived = (sli: ResolvedSli) => sli.definition.compute.measure === 'derived';

/** Problems with one SLO that the math finds; empty when it can be scored. */
export function sloMathProblems(slo: SloSpec): SloProblem[] {
  const sli = resolveSli(slo.sli);
  if (!sli) return [];
  const problems: SloProblem[] = [];
  if (isDerived(sli)) {
    if (slo.budgeting === 'timeslices') {
      problems.push({
        path: 'budgeting',
        message: `'${slo.sli}' is one measurement per run; use occurrences`,
      });
    }
    const compute = sli.definition.compute;
    // `rpo` reads one gauge and takes no params; the recovery SLIs take a recovery criterion.
    if (compute.measure === 'derived' && compute.derivation === 'rpo') {
      problems.push(...noParams(slo, sli));
    } else {
      try {
        recoveryCriterion(slo.params, slo.source);
      } catch (err) {
        problems.push({ path: 'params', message: errorMessage(err) });
      }
    }
  } else if (sli.definition.sources === 'prometheus') {
    problems.push(...promqlParamProblems(slo, sli));
  } else {
    problems.push(...noParams(slo, sli));
  }
  return problems;
}

/** The PromQL params each Prometheus SLI reads: `query` (promql), `good` and `total` (promql_ratio). */
export const PROMQL_PARAMS: Readonly<Record<string, readonly string[]>> = {
  promql: ['query'],
  promql_ratio: ['good', 'total'],
};

function promqlParamProblems(slo: SloSpec, sli: ResolvedSli): SloProblem[] {
  const wanted = PROMQL_PARAMS[sli.definition.name] ?? [];
  const problems: SloProblem[] = [];
  for (const key of wanted) {
    const value = slo.params[key];
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push({
        path: value === undefined ? 'params' : `params.${key}`,
        message: `'${sli.definition.name}' needs params.${key}, a PromQL expression${key === 'query' ? '' : ' giving a rate per second, e.g. sum(rate(requests_total[5s]))'}`,
      });
    }
  }
  for (const key of Object.keys(slo.params)) {
    if (!wanted.includes(key))
      problems.push({
        path: `params.${key}`,
        message: `'${sli.definition.name}' takes params ${wanted.join(', ')}, not '${key}'`,
      });
  }
  return problems;
}

function noParams(slo: SloSpec, sli: ResolvedSli): SloProblem[] {
  return Object.keys(slo.params).map((key) => ({
    path: `params.${key}`,
    message: `'${sli.definition.name}' takes no params`,
  }));
}

/** Whether burn rate means anything for the SLO: it must count events (or slices) against a target. */
function hasEventBudget(slo: SloSpec, sli: ResolvedSli): boolean {
  if (isDerived(sli)) return false;
  if (slo.budgeting === 'timeslices') return true;
  // Any non-zero total will do: only counts use it, and only to size N/total.
  return occurrencesTarget(slo, sli, Number.MAX_SAFE_INTEGER) !== null;
}

/** Problems with one guard that the math finds, given the experiment's SLOs. */
export function guardMathProblems(guard: GuardSpec, slos: readonly SloSpec[]): SloProblem[] {
  const problems: SloProblem[] = [];
  const whenSli = guard.when && resolveSli(/^\s*([a-z0-9_.]+)/i.exec(guard.when)?.[1] ?? '');
  if (whenSli && whenSli.definition.sources === 'prometheus') {
    problems.push({
      path: 'when',
      message: `'${whenSli.definition.name}' is defined by an SLO's PromQL; guard that SLO with burnRate: { slo: <name> }`,
    });
  }
  if (whenSli && isDerived(whenSli)) {
    problems.push({
      path: 'when',
      message: `'${whenSli.definition.name}' is measured after the run; a guard cannot watch it`,
    });
  }
  const slo = guard.burnRate && slos.find((s) => s.name === guard.burnRate!.slo);
  const sli = slo && resolveSli(slo.sli);
  if (slo && sli && !hasEventBudget(slo, sli)) {
    problems.push({
      path: 'burnRate.slo',
      message: `SLO '${slo.name}' (${slo.sli} ${slo.objective.text}) counts no events against a target, so it has no error budget to burn`,
    });
  }
  return problems;
}
