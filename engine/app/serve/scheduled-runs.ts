/**
 * How a schedule's run starts in the control room: read the file it runs again (it may have
 * changed since the server started), then into the one queue, started by `schedule:<name>`,
 * so the room sees it beside the runs people start. The scheduler counts it as going until the
 * queue says it is over (waiting behind another run counts: `concurrency` is about this
 * schedule's runs piling up). A suite goes in as one queued run per experiment (run-manager.ts
 * `enqueueSuite`); the schedule's run is over when its last experiment is.
 */
import { relative } from 'node:path';
import type { StartRun } from '../../schedule/scheduler.js';
import { loadSpecFile } from '../load.js';
import { startedBySchedule } from '../schedules.js';
import type { RunManager } from './run-manager.js';

export function scheduledRunStarter(runs: RunManager, cwd: string): StartRun {
  return async (loaded) => {
    const spec = await loadSpecFile(loaded.run.file, { label: loaded.run.label, vars: loaded.run.vars });
    if (spec.kind === 'Suite') {
      const parts = runs.enqueueSuite(
        spec.suite,
        relative(cwd, loaded.run.file),
        startedBySchedule(loaded.name),
      );
      return { runId: parts[0]!.runId, done: runs.whenFinished(parts.at(-1)!.runId) };
    }
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
