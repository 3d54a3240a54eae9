/**
 * Schedules in the composition root: loading the files given on the command line (a directory
 * means its *.yaml), refusing two with one name, and starting the scheduler on the history with
 * a run starter — `squall schedule run` runs in the foreground through the same path as
 * `squall run` (run-spec.ts, the suite runner for suites); `squall serve --schedules` queues
 * into its control room.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SquallError } from '../core/errors.js';
import type { RunHistory } from '../history/history.js';
import type { LoadedSchedule } from '../schedule/load.js';
import {
  createScheduler,
  type Scheduler,
  type SchedulerOptions,
  type StartRun,
} from '../schedule/scheduler.js';
import { loadScheduleFile } from './load.js';

/** `schedule:<name>`: how the history's `started_by` names a run a schedule started. */
export const startedBySchedule = (name: string) => `schedule:${name}`;

/** The schedule files named (directories: their *.yaml, *.yml), each loaded with what it runs. */
export async function loadSchedules(paths: readonly string[], cwd: string): Promise<LoadedSchedule[]> {
  const files = paths.flatMap((p) => {
    const abs = resolve(cwd, p);
    const isDir = (() => {
      try {
        return statSync(abs).isDirectory();
      } catch {
        return false;
      }
    })();
    if (!isDir) return [{ abs, label: p }];
    return readdirSync(abs)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => ({ abs: join(abs, f), label: join(p, f) }));
  });
  const loaded: LoadedSchedule[] = [];
  const byName = new Map<string, string>();
  for (const { abs, label } of files) {
    const schedule = await loadScheduleFile(abs, {
      label: label.startsWith('/') ? relative(cwd, abs) : label,
    });
    const other = byName.get(schedule.name);
    if (other)
      throw new SquallError(
        'SQUALL_SCHEDULE_NAME_TAKEN',
        `schedules ${other} and ${schedule.label} are both named '${schedule.name}'; decisions are recorded by name, so give one another metadata.name`,
      );
    byName.set(schedule.name, schedule.label);
    loaded.push(schedule);
  }
  return loaded;
}

export interface StartSchedulesOptions {
  schedules: readonly LoadedSchedule[];
  history: RunHistory;
  startRun: StartRun;
  log(text: string): void;
  onDecision?: SchedulerOptions['onDecision'];
}

/** Creates the scheduler on the history and starts it (catch-up, then timers). */
export async function startSchedules(options: StartSchedulesOptions): Promise<Scheduler> {
  const scheduler = createScheduler({
    schedules: options.schedules,
    history: options.history,
    startRun: options.startRun,
    log: options.log,
    onDecision: options.onDecision,
  });
  await scheduler.start();
  return scheduler;
}
