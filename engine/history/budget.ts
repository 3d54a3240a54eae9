/**
 * Error budget across runs: per SLO of an experiment over the last N days, the budget consumed
 * by all its finished runs together, from raw counts: Σ bad events / Σ bad events allowed
 * (allowance.ts), each over the SLO's own window. Never an average of each run's ratio: a run
 * with ten times the events weighs ten times as much, as it does in the SRE Workbook's budgets.
 * Runs without an event budget for the SLO (single measurements, no data) count towards
 * `runs` and `met`, not towards the budget.
 *
 * `regressed`: the newest run did not come out as expected (met; breached for a negative
 * control), and the run before it (in the period or not) did. A run without data never counts as
 * as expected. The change in budget consumed between those two runs is given, not judged.
 */
import type Database from 'better-sqlite3';
import { budgetRatio, reportedRatio } from '../slo/budget.js';
import type { HistorySlo } from './types.js';

export const DEFAULT_BUDGET_DAYS = 30;
const DAY_MS = 86_400_000;

export interface BudgetOptions {
  days?: number;
  /** The period ends now; tests fix it. */
  nowMs?: number;
}

/** One run's result for the SLO, for the comparison with the one before. */
export interface SloRunPoint {
  runId: string;
  startedAt: string;
  status: HistorySlo['status'];
  value: number | null;
  budgetConsumed: number | null;
  asExpected: boolean;
}

export interface SloBudget {
  slo: string;
  sli: string;
  /** As the newest run has them. */
  objective: string;
  unit: string;
  expect: 'met' | 'breached';
  window: HistorySlo['window'];
  /** Finished runs in the period that scored this SLO. */
  runs: number;
  met: number;
  breached: number;
  nodata: number;
  asExpected: number;
  /** Runs that had an event budget for it; the sums below are theirs. */
  budgetedRuns: number;
  good: number;
  total: number;
  bad: number;
  allowedBad: number | null;
  /** Σ bad / Σ allowed bad (1 = the period's budget spent exactly); null without a budgeted run. */
  budgetConsumed: number | null;
  latest: SloRunPoint;
  previous: SloRunPoint | null;
  regressed: boolean;
  /** latest − previous budget consumed, when both had one. */
  budgetDelta: number | null;
}

export interface BudgetReport {
  experiment: string;
  days: number;
  since: string;
  slos: SloBudget[];
}

interface Totals {
  slo: string;
  runs: number;
  met: number;
  breached: number;
  nodata: number;
  as_expected: number;
  budgeted_runs: number;
  good: number | null;
  total: number | null;
  allowed_bad: number | null;
}

const TOTALS = `
  SELECT s.slo, COUNT(*) AS runs,
    SUM(s.status = 'met') AS met, SUM(s.status = 'breached') AS breached, SUM(s.status = 'nodata') AS nodata,
    SUM(s.status = s.expect) AS as_expected,
    COUNT(s.allowed_bad) AS budgeted_runs,
    SUM(CASE WHEN s.allowed_bad IS NOT NULL THEN s.good END) AS good,
    SUM(CASE WHEN s.allowed_bad IS NOT NULL THEN s.total END) AS total,
    SUM(s.allowed_bad) AS allowed_bad
  FROM runs r JOIN slo_results s ON s.run_id = r.id AND s.own_window = 1
  WHERE r.experiment = @experiment AND r.state = 'finished' AND r.started_at >= @sinceMs
  GROUP BY s.slo`;

interface Point {
  run_id: string;
  started_at: number;
  sli: string;
  objective: string;
  unit: string;
  expect: 'met' | 'breached';
  window_name: HistorySlo['window'];
  position: number;
  status: HistorySlo['status'];
  value: number | null;
  budget_consumed: number | null;
}

/**
 * One SLO's newest two results up to the end of the period: the experiment's runs walked newest
 * first (runs_by_experiment), so it stops after two however long the history is.
 */
const LAST_TWO = `
  SELECT s.sli, s.objective, s.unit, s.expect, s.window_name, s.position, s.status, s.value,
    s.budget_consumed, r.id AS run_id, r.started_at
  FROM runs r JOIN slo_results s ON s.run_id = r.id AND s.slo = @slo AND s.own_window = 1
  WHERE r.experiment = @experiment AND r.state = 'finished' AND r.started_at <= @nowMs
  ORDER BY r.started_at DESC, r.id DESC LIMIT 2`;

function point(p: Point): SloRunPoint {
  return {
    runId: p.run_id,
    startedAt: new Date(p.started_at).toISOString(),
    status: p.status,
    value: p.value,
    budgetConsumed: p.budget_consumed,
    asExpected: p.status === p.expect,
  };
}

export function sloBudgets(
  db: Database.Database,
  experiment: string,
  options: BudgetOptions = {},
): BudgetReport {
  const days = options.days ?? DEFAULT_BUDGET_DAYS;
  const nowMs = options.nowMs ?? Date.now();
  const sinceMs = nowMs - days * DAY_MS;
  const totals = db.prepare(TOTALS).all({ experiment, sinceMs }) as Totals[];
  const lastTwo = db.prepare(LAST_TWO);
  const slos = totals.flatMap((t): (SloBudget & { position: number })[] => {
    const [newest, before] = lastTwo.all({ experiment, nowMs, slo: t.slo }) as Point[];
    if (!newest) return [];
    const latest = point(newest);
    const previous = before ? point(before) : null;
    const good = t.good ?? 0;
    const total = t.total ?? 0;
    const bad = total - good;
    return [
      {
        slo: t.slo,
        sli: newest.sli,
        objective: newest.objective,
        unit: newest.unit,
        expect: newest.expect,
        window: newest.window_name,
        position: newest.position,
        runs: t.runs,
        met: t.met,
        breached: t.breached,
        nodata: t.nodata,
        asExpected: t.as_expected,
        budgetedRuns: t.budgeted_runs,
        good,
        total,
        bad,
        allowedBad: t.allowed_bad,
        budgetConsumed: t.budgeted_runs > 0 ? reportedRatio(budgetRatio(bad, t.allowed_bad ?? 0)) : null,
        latest,
        previous,
        regressed: previous?.asExpected === true && !latest.asExpected,
        budgetDelta:
          previous?.budgetConsumed != null && latest.budgetConsumed !== null
            ? latest.budgetConsumed - previous.budgetConsumed
            : null,
      },
    ];
  });
  slos.sort((a, b) => a.position - b.position || a.slo.localeCompare(b.slo));
  return {
    experiment,
    days,
    since: new Date(sinceMs).toISOString(),
    slos: slos.map(({ position: _position, ...slo }) => slo),
  };
}
