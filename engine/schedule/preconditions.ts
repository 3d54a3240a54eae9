/**
 * Preconditions: reasons not to start a scheduled run now, checked when it would start. Budgets
 * first (the history, local and fast), then Prometheus. The first that says no is the reason the
 * skip is recorded with; a check that cannot be made says no too (docs/schedules.md).
 */

import { isSquallError } from '../core/errors.js';
import { formatBudget } from '../core/format.js';
import type { BudgetOptions, BudgetReport } from '../history/budget.js';
import type { LoadedSchedule } from './load.js';
import { queryUnwell } from './prometheus.js';

/** The part of the run history the budget check reads (engine/history/history.ts). */
export interface BudgetSource {
  budget(experiment: string, options?: BudgetOptions): BudgetReport;
}

export type PreconditionVerdict = { ok: true } | { ok: false; reason: string };

export async function checkPreconditions(
  loaded: LoadedSchedule,
  history: BudgetSource | undefined,
  nowMs: number,
): Promise<PreconditionVerdict> {
  const pre = loaded.schedule.preconditions;
  if (!pre) return { ok: true };
  for (const check of pre.budgets ?? []) {
    const experiments = check.experiment
      ? [check.experiment]
      : (loaded.target?.experiments.filter((e) => e.slos.includes(check.slo)).map((e) => e.name) ?? []);
    for (const experiment of experiments) {
      let report: BudgetReport;
      try {
        if (!history) throw new Error('no history database');
        report = history.budget(experiment, { days: check.days, nowMs });
      } catch (err) {
        return unavailable(
          `the history could not be read for ${experiment}'s budget: ${(err as Error).message}`,
        );
      }
      const budget = report.slos.find((s) => s.slo === check.slo);
      const consumed = budget?.budgetConsumed;
      if (consumed != null && consumed > check.maxConsumed) {
        return {
          ok: false,
          reason: `budget: SLO ${check.slo} of ${experiment} has consumed ${formatBudget(consumed)} of its error budget over ${check.days} days (${budget!.budgetedRuns} runs), over the limit ${formatBudget(check.maxConsumed)}`,
        };
      }
    }
  }
  const prom = pre.prometheus;
  for (const check of prom?.unwellWhen ?? []) {
    try {
      const verdict = await queryUnwell(prom!.url, check.query, prom!.timeout);
      if (verdict.unwell) {
        return {
          ok: false,
          reason: `unwell: ${check.reason ? `${check.reason}: ` : ''}'${check.query}' returned ${verdict.seen}`,
        };
      }
    } catch (err) {
      if (isSquallError(err)) return { ok: false, reason: `${err.message} [${err.code}]` };
      throw err;
    }
  }
  return { ok: true };
}

function unavailable(why: string): PreconditionVerdict {
  return { ok: false, reason: `${why} [SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE]` };
}
