/**
 * One experiment over time: its runs, oldest first, each with its score and every SLO's verdict
 * (value, objective, status in the SLO's own window), and per SLO the error budget across the
 * period (budget.ts). What `squall history trend` prints and `GET /api/experiments/:name/trend`
 * serves.
 */
import type Database from 'better-sqlite3';
import { type BudgetOptions, DEFAULT_BUDGET_DAYS, type SloBudget, sloBudgets } from './budget.js';
import type { HistorySlo, RunState } from './types.js';

const DEFAULT_TREND_LIMIT = 20;

export interface TrendOptions extends BudgetOptions {
  /** Only runs of the last `days` days (default: no bound on the runs; the budget's period is 30). */
  days?: number;
  /** The newest `limit` runs (default 20). */
  limit?: number;
}

export interface TrendSlo {
  name: string;
  value: number | null;
  unit: string;
  objective: string;
  status: HistorySlo['status'];
  expect: 'met' | 'breached';
  budgetConsumed: number | null;
}

export interface TrendRun {
  runId: string;
  startedAt: string;
  state: RunState;
  outcome: string | null;
  exitCode: number | null;
  resilienceScore: number | null;
  slos: TrendSlo[];
}

export interface ExperimentTrend {
  experiment: string;
  runs: TrendRun[];
  /** The SLOs' names in the experiment's order (the newest run's), for table columns. */
  sloNames: string[];
  budget: { days: number; since: string; slos: SloBudget[] };
}

interface RunRecord {
  id: string;
  started_at: number;
  state: RunState;
  outcome: string | null;
  exit_code: number | null;
  score: number | null;
}

interface SloRecord {
  run_id: string;
  slo: string;
  position: number;
  value: number | null;
  unit: string;
  objective: string;
  status: HistorySlo['status'];
  expect: 'met' | 'breached';
  budget_consumed: number | null;
}

export function trendRuns(db: Database.Database, experiment: string, options: TrendOptions = {}): TrendRun[] {
  const nowMs = options.nowMs ?? Date.now();
  const params = {
    experiment,
    sinceMs: options.days === undefined ? Number.MIN_SAFE_INTEGER : nowMs - options.days * 86_400_000,
    limit: options.limit ?? DEFAULT_TREND_LIMIT,
  };
  const picked = `SELECT id FROM runs WHERE experiment = @experiment AND started_at >= @sinceMs
    ORDER BY started_at DESC, id DESC LIMIT @limit`;
  const runs = db
    .prepare(
      `SELECT id, started_at, state, outcome, exit_code, score FROM runs WHERE id IN (${picked})
       ORDER BY started_at, id`,
    )
    .all(params) as RunRecord[];
  const slos = db
    .prepare(
      `SELECT run_id, slo, position, value, unit, objective, status, expect, budget_consumed
       FROM slo_results WHERE own_window = 1 AND run_id IN (${picked}) ORDER BY position`,
    )
    .all(params) as SloRecord[];
  const byRun = new Map<string, TrendSlo[]>();
  for (const s of slos) {
    const list = byRun.get(s.run_id) ?? [];
    list.push({
      name: s.slo,
      value: s.value,
      unit: s.unit,
      objective: s.objective,
      status: s.status,
      expect: s.expect,
      budgetConsumed: s.budget_consumed,
    });
    byRun.set(s.run_id, list);
  }
  return runs.map((r) => ({
    runId: r.id,
    startedAt: new Date(r.started_at).toISOString(),
    state: r.state,
    outcome: r.outcome,
    exitCode: r.exit_code,
    resilienceScore: r.score,
    slos: byRun.get(r.id) ?? [],
  }));
}

export function experimentTrend(
  db: Database.Database,
  experiment: string,
  options: TrendOptions = {},
): ExperimentTrend {
  const runs = trendRuns(db, experiment, options);
  const budget = sloBudgets(db, experiment, {
    days: options.days ?? DEFAULT_BUDGET_DAYS,
    nowMs: options.nowMs,
  });
  // Newest first, so an SLO the experiment has now leads and one it dropped trails.
  const sloNames: string[] = [];
  for (const run of [...runs].reverse())
    for (const s of run.slos) if (!sloNames.includes(s.name)) sloNames.push(s.name);
  return {
    experiment,
    runs,
    sloNames,
    budget: { days: budget.days, since: budget.since, slos: budget.slos },
  };
}
