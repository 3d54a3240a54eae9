/**
 * How `squall run` records itself: a row as `running` when the journal's `run.start` is written
 * (with the pid and its start time, so a run whose process dies is found: interrupted.ts), the
 * rest when its reports are written. A suite records each of its experiments.
 *
 * History is a convenience, the journal is the record: nothing here may fail a run. The first
 * problem (no place for the file, an unwritable directory, a locked or damaged database) is
 * passed to `warn` once, and the recorder does nothing more for the rest of the process.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../reports/summary.js';
import { SquallError } from '../core/errors.js';
import type { JournalEvent, RunStartEvent } from '../core/journal-events.js';
import { historyLocation } from './location.js';
import { ownProcessIdentity } from './process-identity.js';
import { endedRunRow, reportPathsIn, startedRunRow } from './rows.js';
import { fileSha256, gitCommitOf, userName } from './run-context.js';
import { type HistoryStore, historyError, openHistory } from './store.js';
import type { StartedRunRow } from './types.js';
import { recordEnd, recordStart } from './write.js';

export interface RecorderOptions {
  /** `--history PATH`. */
  historyFlag?: string;
  /** `--no-history`. */
  disabled?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Told once, the first time history cannot be written; the text names the path and the code. */
  warn(text: string): void;
  /** Who started the runs (the control room's token name); default the user from `env`. */
  startedBy?: string;
  /** The game day the runs belong to. */
  suite?: { name: string; dir: string };
}

export interface RunRecorder {
  /** The database runs go to; undefined when history is off or could not be opened. */
  readonly path: string | undefined;
  /** Before each run: where its journal and reports will be. */
  beginRun(outDir: string): void;
  /** Every journal event of the run (the runner's `onEvent`); `run.start` writes the row. */
  event(event: JournalEvent): void;
  /** After the run's reports are written; true when the run is in the history. */
  finish(summary: RunSummary, reportPaths?: string[]): boolean;
  close(): void;
}

export function createRunRecorder(options: RecorderOptions): RunRecorder {
  let store: HistoryStore | undefined;
  let warned = false;
  const fail = (err: unknown, path: string | undefined, doing: string) => {
    const error = path ? historyError(err, path, doing) : (err as SquallError);
    if (!warned) options.warn(`history not recorded: ${error.message} [${error.code}]; the run goes on`);
    warned = true;
    store?.close();
    store = undefined;
  };

  if (!options.disabled) {
    const where = historyLocation(options.env, options.cwd, options.historyFlag);
    if (where.path === undefined)
      fail(new SquallError('SQUALL_HISTORY_UNAVAILABLE', where.reason), undefined, '');
    else {
      try {
        store = openHistory(where.path);
      } catch (err) {
        fail(err, where.path, 'open');
      }
    }
  }

  let outDir: string | undefined;
  let current: { start: RunStartEvent; row: StartedRunRow } | undefined;
  const identity = ownProcessIdentity();

  const started = (start: RunStartEvent, dir: string): StartedRunRow =>
    startedRunRow(start, {
      journalPath: join(dir, 'journal.jsonl'),
      reportDir: dir,
      recordedBy: 'run',
      fileSha256: fileSha256(start.file),
      gitCommit: gitCommitOf(start.file),
      startedBy: options.startedBy ?? userName(options.env),
      // The journal's host is the controller's; the sweep compares it with its own.
      host: start.host || hostname(),
      pid: identity.pid,
      pidStart: identity.start,
      suite: options.suite?.name ?? null,
      suiteDir: options.suite?.dir ?? null,
    });

  return {
    get path() {
      return store?.path;
    },
    beginRun(dir) {
      outDir = dir;
      current = undefined;
    },
    event(event) {
      if (event.type !== 'run.start' || !store || outDir === undefined) return;
      try {
        current = { start: event, row: started(event, outDir) };
        recordStart(store.db, current.row);
      } catch (err) {
        fail(err, store.path, 'write to');
      }
    },
    finish(summary, reportPaths) {
      if (!store || !current || current.row.id !== summary.runId) return false;
      try {
        const paths = reportPaths ?? reportPathsIn(current.row.reportDir!);
        recordEnd(store.db, current.row, endedRunRow(summary, current.start.spec, paths, null));
        return true;
      } catch (err) {
        fail(err, store.path, 'write to');
        return false;
      } finally {
        current = undefined;
      }
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
}
