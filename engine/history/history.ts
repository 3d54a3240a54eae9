/**
 * The run history's query API, for `squall history` and for whatever serves it later (the
 * control room's server: one `RunHistory` per process, one method per endpoint). Every read
 * first sweeps for runs whose process died (interrupted.ts), so no reader shows a dead run as
 * `running`. Failures surface as SquallError with SQUALL_HISTORY_* codes.
 */
import { type BudgetOptions, type BudgetReport, sloBudgets } from './budget.js';
import { type ImportResult, importRuns } from './import.js';
import { type SweepOptions, type SweepResult, sweepInterrupted } from './interrupted.js';
import { getRun, listRuns, type RunFilter } from './list-runs.js';
import {
  lastPlannedAt,
  listScheduleEvents,
  recordScheduleEvent,
  type ScheduleEvent,
  type ScheduleEventFilter,
  type ScheduleEventRow,
} from './schedule-events.js';
import { type HistoryStore, historyError, openHistory } from './store.js';
import { type ExperimentTrend, experimentTrend, type TrendOptions } from './trend.js';
import type { HistoryRun, HistoryRunDetail } from './types.js';

export interface RunHistory {
  readonly path: string;
  listRuns(filter?: RunFilter): HistoryRun[];
  /** By id or unambiguous prefix; SQUALL_HISTORY_RUN_NOT_FOUND otherwise. */
  getRun(idOrPrefix: string): HistoryRunDetail;
  trend(experiment: string, options?: TrendOptions): ExperimentTrend;
  budget(experiment: string, options?: BudgetOptions): BudgetReport;
  /** Rows from journals on disk; paths relative to `cwd`. */
  importRuns(paths: readonly string[], cwd: string): ImportResult[];
  /** The schedules' decisions, newest first (schedule-events.ts). */
  scheduleEvents(filter?: ScheduleEventFilter): ScheduleEvent[];
  recordScheduleEvent(row: ScheduleEventRow): void;
  /** The newest planned time a schedule decided anything for; undefined when never. */
  lastPlannedAt(schedule: string): number | undefined;
  /** Marks runs whose process is gone (every read does it first). */
  sweep(): SweepResult;
  close(): void;
}

export interface RunHistoryOptions {
  sweep?: SweepOptions;
}

export function openRunHistory(path: string, options: RunHistoryOptions = {}): RunHistory {
  const store: HistoryStore = openHistory(path);
  const guarded =
    <A extends unknown[], R>(doing: string, fn: (...args: A) => R, sweepFirst = true) =>
    (...args: A): R => {
      try {
        if (sweepFirst) sweepInterrupted(store.db, options.sweep);
        return fn(...args);
      } catch (err) {
        throw historyError(err, path, doing);
      }
    };
  return {
    path,
    listRuns: guarded('read', (filter?: RunFilter) => listRuns(store.db, filter)),
    getRun: guarded('read', (id: string) => getRun(store.db, id)),
    trend: guarded('read', (experiment: string, o?: TrendOptions) =>
      experimentTrend(store.db, experiment, o),
    ),
    budget: guarded('read', (experiment: string, o?: BudgetOptions) => sloBudgets(store.db, experiment, o)),
    importRuns: guarded(
      'write to',
      (paths: readonly string[], cwd: string) => importRuns(store.db, paths, cwd),
      false,
    ),
    scheduleEvents: guarded('read', (filter?: ScheduleEventFilter) => listScheduleEvents(store.db, filter)),
    recordScheduleEvent: guarded(
      'write to',
      (row: ScheduleEventRow) => recordScheduleEvent(store.db, row),
      false,
    ),
    lastPlannedAt: guarded('read', (schedule: string) => lastPlannedAt(store.db, schedule), false),
    sweep: guarded('write to', () => sweepInterrupted(store.db, options.sweep), false),
    close: () => store.close(),
  };
}
