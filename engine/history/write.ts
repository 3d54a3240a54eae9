/**
 * Writing runs. Each call is one IMMEDIATE transaction: the write lock is taken up front, so a
 * second writer waits (busy_timeout) rather than failing half-way, and a run's row, tags and
 * SLO rows appear together or not at all.
 */
import type Database from 'better-sqlite3';
import type { EndedRunRow, StartedRunRow } from './types.js';

const INSERT_RUN = `
  INSERT INTO runs (id, experiment, file, file_sha256, vars_json, git_commit, host, started_by, pid,
    pid_start, started_at, state, journal_path, report_dir, squall_version, suite, suite_dir, recorded_by)
  VALUES (@id, @experiment, @file, @fileSha256, @varsJson, @gitCommit, @host, @startedBy, @pid,
    @pidStart, @startedAtMs, 'running', @journalPath, @reportDir, @squallVersion, @suite, @suiteDir,
    @recordedBy)
  ON CONFLICT (id) DO NOTHING`;

const END_RUN = `
  UPDATE runs SET state = @state, ended_at = @endedAtMs, outcome = @outcome, exit_code = @exitCode,
    hypothesis = @hypothesis, score = @score, leftovers_json = @leftoversJson,
    report_paths_json = @reportPathsJson
  WHERE id = @id`;

const INSERT_SLO = `
  INSERT OR REPLACE INTO slo_results (run_id, slo, window_name, own_window, position, sli, objective,
    unit, expect, status, value, good, total, budget_consumed, burn_rate, allowed_bad)
  VALUES (@runId, @slo, @window, @ownWindow, @position, @sli, @objective, @unit, @expect, @status,
    @value, @good, @total, @budgetConsumed, @burnRate, @allowedBad)`;

function startParams(row: StartedRunRow) {
  const { vars, tags: _tags, ...rest } = row;
  return { ...rest, varsJson: JSON.stringify(vars) };
}

function insertStarted(db: Database.Database, row: StartedRunRow): boolean {
  const inserted = db.prepare(INSERT_RUN).run(startParams(row)).changes > 0;
  if (inserted) {
    const tag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)');
    for (const t of row.tags) tag.run(row.id, t);
  }
  return inserted;
}

function writeEnd(db: Database.Database, id: string, end: EndedRunRow): void {
  db.prepare(END_RUN).run({
    id,
    state: end.state,
    endedAtMs: end.endedAtMs,
    outcome: end.outcome,
    exitCode: end.exitCode,
    hypothesis: end.hypothesis,
    score: end.score,
    leftoversJson: JSON.stringify(end.leftovers),
    reportPathsJson: JSON.stringify(end.reportPaths),
  });
  db.prepare('DELETE FROM slo_results WHERE run_id = ?').run(id);
  const slo = db.prepare(INSERT_SLO);
  for (const s of end.slos) slo.run({ runId: id, ...s, ownWindow: s.ownWindow ? 1 : 0 });
}

/** The run's row as `running`, when it starts. False when a row with that id exists already. */
export function recordStart(db: Database.Database, row: StartedRunRow): boolean {
  return db.transaction(() => insertStarted(db, row)).immediate();
}

/**
 * The run's end: state, outcome, score, leftovers and every SLO row. The start row is written
 * too if it is missing (the database was replaced mid-run), so a run that ends is never lost.
 */
export function recordEnd(db: Database.Database, start: StartedRunRow, end: EndedRunRow): void {
  db.transaction(() => {
    insertStarted(db, start);
    writeEnd(db, start.id, end);
  }).immediate();
}

/**
 * A whole run at once (import). A run already there is left alone, unless it never finished
 * and this journal says how it ended. Returns what was done.
 */
export function recordWhole(
  db: Database.Database,
  start: StartedRunRow,
  end: EndedRunRow,
): 'imported' | 'completed' | 'present' {
  return db
    .transaction(() => {
      if (insertStarted(db, start)) {
        writeEnd(db, start.id, end);
        return 'imported' as const;
      }
      const state = db.prepare('SELECT state FROM runs WHERE id = ?').pluck().get(start.id);
      if (state === 'finished' || end.state !== 'finished') return 'present' as const;
      writeEnd(db, start.id, end);
      return 'completed' as const;
    })
    .immediate();
}

/** Marks a run whose process is gone, unless it finished meanwhile. */
export function recordInterrupted(db: Database.Database, id: string, endedAtMs: number | null): boolean {
  const sql = `UPDATE runs SET state = 'interrupted', outcome = 'interrupted', ended_at = ?
    WHERE id = ? AND state = 'running'`;
  return db.transaction(() => db.prepare(sql).run(endedAtMs, id).changes > 0).immediate();
}
