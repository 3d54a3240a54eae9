/**
 * How a schedule's run starts in the control room: read the file it runs again (it may have
 * changed since the server started), then into the one queue, started by `schedule:<name>`,
 * so the room sees it beside the runs people start. The scheduler counts it as going until the
 * queue says it is over (waiting behind another run counts: `concurrency` is about this
 * schedule's runs piling up). The room starts experiments one at a time; a schedule of a
 * suite is refused when the server starts (serve.ts), not at its first fire.
 */
import { relative } from 'node:path';
import { SquallError } from '../../core/errors.js';
import type { StartRun } from '../../schedule/scheduler.js';
import { loadSpecFile } from '../load.js';
import { startedBySchedule } from '../schedules.js';
import type { RunManager } from './run-manager.js';

export function scheduledRunStarter(runs: RunManager, cwd: string): StartRun {
  return async (loaded) => {
    const spec = await loadSpecFile(loaded.run.file, { label: loaded.run.label, vars: loaded.run.vars });
    if (spec.kind !== 'Experiment') throw scheduledRunStarterRefusal(loaded.label, loaded.run.label);
    const run = runs.enqueue(
      spec.experiment,
      relative(cwd, loaded.run.file),
      loaded.run.file,
      loaded.run.vars,
      startedBySchedule(loaded.name),
    );
    return { runId: run.runId, done: runs.whenFinished(run.runId) };
  };
}

export function scheduledRunStarterRefusal(scheduleLabel: string, suiteLabel: string): SquallError {
  return new SquallError(
    'SQUALL_USAGE',
    `schedule ${scheduleLabel} runs the suite ${suiteLabel}; the control room starts experiments one at a time: schedule each experiment, or run this schedule with squall schedule run ${scheduleLabel}`,
  );
}
