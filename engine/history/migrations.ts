/**
 * The history database's schema, as the list of steps that build it. `PRAGMA user_version`
 * holds the last step applied; opening a database applies the rest in one IMMEDIATE
 * transaction, so two processes opening an old file at once migrate it once (the second waits
 * on the lock, then finds nothing to do). Steps are never edited once released, only added.
 *
 * Times are epoch ms (controller clock, as in the journal). Counts are REAL: the journal's
 * good/total are integers for occurrences and slices alike, but nothing here depends on it.
 */
import type Database from 'better-sqlite3';
import { SquallError } from '../core/errors.js';

export interface Migration {
  version: number;
  /** Why the step exists, for whoever reads the schema's history. */
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, their tags, and every SLO result per window',
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,              -- the journal's runId
        experiment TEXT NOT NULL,
        file TEXT NOT NULL,
        file_sha256 TEXT,                 -- null when imported (the file may have changed since)
        vars_json TEXT NOT NULL,          -- the vars in effect, overrides applied, as journaled
        git_commit TEXT,                  -- HEAD of the repository holding the file, if any
        host TEXT NOT NULL,
        started_by TEXT,
        pid INTEGER,                      -- the squall process, to find runs whose process died
        pid_start TEXT,                   -- that process's start time (a reused pid is not it)
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'interrupted')),
        outcome TEXT,                     -- run.end's outcome; 'interrupted' / 'incomplete' otherwise
        exit_code INTEGER,
        hypothesis TEXT,
        score REAL,
        leftovers_json TEXT NOT NULL DEFAULT '[]',
        journal_path TEXT NOT NULL,
        report_dir TEXT,
        report_paths_json TEXT NOT NULL DEFAULT '[]',
        squall_version TEXT,
        recorded_by TEXT NOT NULL CHECK (recorded_by IN ('run', 'import'))
      );
      -- Newest first, ties by id: the order every list and trend reads in, so LIMIT stops early.
      CREATE INDEX runs_by_start ON runs (started_at, id);
      CREATE INDEX runs_by_experiment ON runs (experiment, started_at, id);
      CREATE INDEX runs_running ON runs (state) WHERE state = 'running';
      CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
      ) WITHOUT ROWID;
      CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);
      CREATE TABLE slo_results (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        slo TEXT NOT NULL,
        window_name TEXT NOT NULL,        -- run | baseline | fault | recovery
        own_window INTEGER NOT NULL,      -- 1 on the window the SLO is judged by (its verdict)
        position INTEGER NOT NULL,        -- the SLO's place in the experiment
        sli TEXT NOT NULL,
        objective TEXT NOT NULL,
        unit TEXT NOT NULL,
        expect TEXT NOT NULL,             -- met, or breached for a negative control
        status TEXT NOT NULL,
        value REAL,
        good REAL NOT NULL,
        total REAL NOT NULL,
        budget_consumed REAL,
        burn_rate REAL,
        -- Bad events the SLO's budget allows in this run (sized by its own window), the
        -- denominator of budget_consumed on every row of the SLO; null: no event budget.
        allowed_bad REAL,
        PRIMARY KEY (run_id, slo, window_name)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'the game day a run belonged to: suite name and the suite run directory',
    sql: `
      ALTER TABLE runs ADD COLUMN suite TEXT;
      ALTER TABLE runs ADD COLUMN suite_dir TEXT;
      CREATE INDEX runs_by_suite ON runs (suite, started_at) WHERE suite IS NOT NULL;
    `,
  },
  {
    version: 3,
    description: 'what each schedule decided at each planned time: fired, skipped (and why), missed',
    sql: `
      CREATE TABLE schedule_events (
        id INTEGER PRIMARY KEY,
        schedule TEXT NOT NULL,           -- the Schedule's metadata.name
        planned_at INTEGER NOT NULL,      -- the cron time it was for
        decided_at INTEGER NOT NULL,      -- when the scheduler decided (later for queued and late runs)
        decision TEXT NOT NULL CHECK (decision IN ('fired', 'skipped', 'missed')),
        reason TEXT,                      -- why skipped or missed; null when fired
        run_id TEXT                       -- the run it started (no foreign key: the row comes later)
      );
      CREATE INDEX schedule_events_by_schedule ON schedule_events (schedule, planned_at);
      CREATE INDEX schedule_events_by_decision ON schedule_events (decision, decided_at);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every step above the database's version, up to `target` (tests stop early). */
export function migrate(db: Database.Database, path: string, target = SCHEMA_VERSION): void {
  const refuseNewer = (version: number) => {
    if (version > SCHEMA_VERSION)
      throw new SquallError(
        'SQUALL_HISTORY_TOO_NEW',
        `history database ${path} has schema version ${version}; this squall knows up to ${SCHEMA_VERSION} (a newer squall wrote it)`,
      );
  };
  const before = schemaVersionOf(db);
  refuseNewer(before);
  // Up to date: no write lock taken, so readers never wait on each other here.
  if (before >= target) return;
  db.transaction(() => {
    const current = schemaVersionOf(db);
    refuseNewer(current);
    for (const step of MIGRATIONS) {
      if (step.version <= current || step.version > target) continue;
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}
