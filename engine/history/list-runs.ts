/**
 * Runs, newest first, filtered as `squall history` and `GET /api/runs` filter them; one run with
 * its SLO results, as `squall history show` and `GET /api/runs/:id` show it.
 */
import type Database from 'better-sqlite3';
import { SquallError } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import type { HistoryRun, HistoryRunDetail, HistorySlo, RunState } from './types.js';

export interface RunFilter {
  experiment?: string;
  tag?: string;
  outcome?: string;
  state?: RunState;
  suite?: string;
  /** Runs started at or after this instant (epoch ms). */
  sinceMs?: number;
  /** At most this many (default 50). */
  limit?: number;
}

export const DEFAULT_LIST_LIMIT = 50;

interface RunRecord {
  id: string;
  experiment: string;
  file: string;
  file_sha256: string | null;
  vars_json: string;
  tags_json: string;
  git_commit: string | null;
  host: string;
  started_by: string | null;
  pid: number | null;
  state: RunState;
  outcome: string | null;
  exit_code: number | null;
  hypothesis: string | null;
  score: number | null;
  started_at: number;
  ended_at: number | null;
  leftovers_json: string;
  journal_path: string;
  report_dir: string | null;
  report_paths_json: string;
  squall_version: string | null;
  suite: string | null;
  suite_dir: string | null;
  recorded_by: 'run' | 'import';
}

const RUN_COLUMNS = `r.*, (SELECT json_group_array(tag) FROM run_tags t WHERE t.run_id = r.id) AS tags_json`;

function toRun(r: RunRecord): HistoryRun {
  return {
    runId: r.id,
    experiment: r.experiment,
    file: r.file,
    fileSha256: r.file_sha256,
    vars: JSON.parse(r.vars_json),
    tags: (JSON.parse(r.tags_json) as string[]).sort(),
    gitCommit: r.git_commit,
    host: r.host,
    startedBy: r.started_by,
    pid: r.pid,
    state: r.state,
    outcome: r.outcome,
    exitCode: r.exit_code,
    hypothesis: r.hypothesis,
    resilienceScore: r.score,
    startedAt: new Date(r.started_at).toISOString(),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at).toISOString(),
    durationMs: r.ended_at === null ? null : r.ended_at - r.started_at,
    leftovers: JSON.parse(r.leftovers_json),
    journalPath: r.journal_path,
    reportDir: r.report_dir,
    reportPaths: JSON.parse(r.report_paths_json),
    squallVersion: r.squall_version,
    suite: r.suite,
    suiteDir: r.suite_dir,
    recordedBy: r.recorded_by,
  };
}

export function listRuns(db: Database.Database, filter: RunFilter = {}): HistoryRun[] {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: filter.limit ?? DEFAULT_LIST_LIMIT };
  const add = (sql: string, name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    params[name] = value;
  };
  add('r.experiment = @experiment', 'experiment', filter.experiment);
  add('r.outcome = @outcome', 'outcome', filter.outcome);
  add('r.state = @state', 'state', filter.state);
  add('r.suite = @suite', 'suite', filter.suite);
  add('r.started_at >= @sinceMs', 'sinceMs', filter.sinceMs);
  // EXISTS, not IN: the newest runs are walked in order and each checked, until the limit.
  add('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = @tag)', 'tag', filter.tag);
  const sql = `SELECT ${RUN_COLUMNS} FROM runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY r.started_at DESC, r.id DESC LIMIT @limit`;
  return (db.prepare(sql).all(params) as RunRecord[]).map(toRun);
}

interface SloRecord {
  slo: string;
  window_name: HistorySlo['window'];
  own_window: number;
  sli: string;
  objective: string;
  unit: string;
  expect: 'met' | 'breached';
  status: HistorySlo['status'];
  value: number | null;
  good: number;
  total: number;
  budget_consumed: number | null;
  burn_rate: number | null;
  allowed_bad: number | null;
}

function slosOf(db: Database.Database, runId: string): HistorySlo[] {
  const rows = db
    .prepare('SELECT * FROM slo_results WHERE run_id = ? ORDER BY position, own_window DESC')
    .all(runId) as SloRecord[];
  const byName = new Map<string, HistorySlo>();
  // The own window's row comes first for each SLO: it carries the SLO's verdict.
  for (const r of rows) {
    const slo = byName.get(r.slo) ?? {
      name: r.slo,
      sli: r.sli,
      objective: r.objective,
      unit: r.unit,
      expect: r.expect,
      window: r.window_name,
      status: r.status,
      value: r.value,
      budgetConsumed: r.budget_consumed,
      allowedBad: r.allowed_bad,
      windows: [],
    };
    byName.set(r.slo, slo);
    slo.windows.push({
      window: r.window_name,
      status: r.status,
      value: r.value,
      good: r.good,
      total: r.total,
      budgetConsumed: r.budget_consumed,
      burnRate: r.burn_rate,
    });
  }
  for (const slo of byName.values())
    slo.windows.sort((a, b) => WINDOWS.indexOf(a.window) - WINDOWS.indexOf(b.window));
  return [...byName.values()];
}

/** The order the summary lists windows in. */
const WINDOWS: readonly string[] = ['run', 'baseline', 'fault', 'recovery'];

/** One run by its id or an unambiguous prefix of it (the 8 characters the list shows). */
export function getRun(db: Database.Database, idOrPrefix: string): HistoryRunDetail {
  const select = `SELECT ${RUN_COLUMNS} FROM runs r`;
  const exact = db.prepare(`${select} WHERE r.id = ?`).get(idOrPrefix) as RunRecord | undefined;
  const matches = exact
    ? [exact]
    : (db
        .prepare(`${select} WHERE r.id LIKE ? ESCAPE '\\' LIMIT 2`)
        .all(`${idOrPrefix.replace(/[\\%_]/g, '\\$&')}%`) as RunRecord[]);
  if (matches.length !== 1) {
    const why = matches.length > 1 ? 'matches several runs; give more of the id' : 'is not in the history';
    throw new SquallError('SQUALL_HISTORY_RUN_NOT_FOUND', `run '${excerpt(idOrPrefix)}' ${why}`);
  }
  return { ...toRun(matches[0]!), slos: slosOf(db, matches[0]!.id) };
}
