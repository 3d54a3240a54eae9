/**
 * Finding runs whose process died (SIGKILL, OOM, a power cut, a CI job cancelled): their row
 * says `running` forever, since nothing was left to finish it. Every reader of the history
 * sweeps first: a `running` row started on this host whose process (pid and start time,
 * process-identity.ts) is gone did not finish. If its journal says it ended after all (only the
 * history write at the end failed), the row is completed from the journal; otherwise it is
 * marked `interrupted`, dated by the journal's last event when there is one.
 *
 * Runs started on other hosts are left as they are: their processes cannot be seen from here.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { loadRun } from '../../reports/write.js';
import { isProcessAlive, type ProcessIdentity } from './process-identity.js';
import { endedRunRow, reportPathsIn, startedRunRow } from './rows.js';
import { recordEnd, recordInterrupted } from './write.js';

interface RunningRow {
  id: string;
  pid: number | null;
  pid_start: string | null;
  journal_path: string;
  report_dir: string | null;
}

export interface SweepOptions {
  host?: string;
  /** Tests can say which processes are alive; default: ask the system. */
  isAlive?: (identity: ProcessIdentity) => boolean;
}

export interface SweepResult {
  interrupted: string[];
  /** Rows whose process is gone but whose journal says the run ended. */
  completed: string[];
}

export function sweepInterrupted(db: Database.Database, options: SweepOptions = {}): SweepResult {
  const host = options.host ?? hostname();
  const alive = options.isAlive ?? isProcessAlive;
  const running = db
    .prepare(
      `SELECT id, pid, pid_start, journal_path, report_dir FROM runs WHERE state = 'running' AND host = ?`,
    )
    .all(host) as RunningRow[];
  const result: SweepResult = { interrupted: [], completed: [] };
  for (const row of running) {
    if (row.pid === null || alive({ pid: row.pid, start: row.pid_start })) continue;
    const ended = endFromJournal(db, row);
    if (ended === 'completed') result.completed.push(row.id);
    else if (recordInterrupted(db, row.id, ended)) result.interrupted.push(row.id);
  }
  return result;
}

/** Completes the row from the journal when it has `run.end`; else the time of its last event. */
function endFromJournal(db: Database.Database, row: RunningRow): 'completed' | number | null {
  if (!existsSync(row.journal_path)) return null;
  try {
    const { events, summary } = loadRun(row.journal_path);
    const start = events.find((e) => e.type === 'run.start');
    const lastMs = events.reduce<number | null>((max, e) => (max === null || e.t > max ? e.t : max), null);
    if (!start || start.runId !== row.id || summary.outcome === 'incomplete') return lastMs;
    const paths = row.report_dir ? reportPathsIn(row.report_dir) : [];
    const startRow = startedRunRow(start, { journalPath: row.journal_path, recordedBy: 'run' });
    recordEnd(db, startRow, endedRunRow(summary, start.spec, paths, lastMs));
    return 'completed';
  } catch {
    // An unreadable journal says nothing more: the run is interrupted all the same.
    return null;
  }
}
