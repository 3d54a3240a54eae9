/**
 * `squall schedule next|run`: a schedule's next fire times, and the scheduler in the
 * foreground (docs/schedules.md). `run` starts each run exactly as `squall run` does
 * (run-spec.ts; the suite runner for a suite) and records every decision in the history.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ExitCode, formatSpecIssue, SpecError, SquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { openRunHistory } from '../../history/history.js';
import { historyLocation } from '../../history/location.js';
import { describeActive } from '../../run/rollback.js';
import type { LoadedSchedule } from '../../schedule/load.js';
import { nextFires } from '../../schedule/next-fires.js';
import { renderNextFires, renderScheduleHeader } from '../../schedule/render.js';
import type { StartRun } from '../../schedule/scheduler.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';
import { loadSpecFile } from '../load.js';
import { runSpec } from '../run-spec.js';
import { loadSchedules, startedBySchedule, startSchedules } from '../schedules.js';
import { runLoadedSuite } from './run-suite.js';

const help = `Usage: squall schedule next <file>... [--count N] [--from TIME] [--json]
       squall schedule run <file|dir>... [options]

A schedule (kind: Schedule) runs an experiment or a suite on a cron in a timezone, never in a
blackout window, never while the platform is unwell or an SLO's budget is spent (its
preconditions), and records every decision (fired, skipped with the reason, missed) in the
history. squall serve --schedules runs them in the control room; 'run' is the same scheduler
in the foreground. See docs/schedules.md.

next: the next fire times after blackouts (blacked-out times in between shown as skipped).
  --count N          How many runs to show (default 5)
  --from TIME        Start from this ISO time instead of now, e.g. 2026-03-28T00:00:00Z
  --json             Print [{ schedule, next: [{ at, skipped? }] }]

run: fire the schedules until Ctrl-C (a run going is aborted and rolled back first).
  --history PATH     The history database (default $SQUALL_HOME/history.db, else
                     ~/.local/share/squall/history.db); decisions and runs are recorded there
  --runs DIR         Where each run's journal and reports go (default runs/)
  --max-runs N       Stop after N runs have fired and finished (a CI job, a test)
  -h, --help         This help

Exit codes: 0 done · 2 a schedule is invalid · 4 the history cannot be opened

To run the schedules of a directory until Ctrl-C: squall schedule run experiments/schedules/

Examples:
  squall schedule next experiments/schedules/weekday-gameday.yaml --count 10
  squall schedule next experiments/schedules/ --from 2026-12-24T00:00:00Z --json
`;

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'Schedules (kind: Schedule): their next fire times; the scheduler in the foreground',
  help,
  async run(argv, io) {
    const [mode, ...rest] = argv;
    if (mode === 'next') return nextCommand(rest, io);
    if (mode === 'run') return runCommand(rest, io);
    throw new SquallError(
      'SQUALL_USAGE',
      `${mode ? unknownName('schedule command', mode, ['next', 'run']) : 'expected next or run'} (see squall schedule --help)`,
    );
  },
};

/** Loads the schedules or prints their issues; undefined when one is invalid. */
async function loadOrReport(files: string[], io: CliIO): Promise<LoadedSchedule[] | undefined> {
  if (files.length === 0) throw new SquallError('SQUALL_USAGE', 'expected at least one schedule file');
  try {
    return await loadSchedules(files, io.cwd);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    io.stderr.write(`${err.issues.map(formatSpecIssue).join('\n')}\n`);
    return undefined;
  }
}

async function nextCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('schedule', argv, {
    count: { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean' },
  });
  const count = values.count === undefined ? 5 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new SquallError('SQUALL_USAGE', `--count: expected a whole number 1–1000, got '${values.count}'`);
  const fromMs = values.from === undefined ? Date.now() : Date.parse(values.from);
  if (Number.isNaN(fromMs))
    throw new SquallError(
      'SQUALL_USAGE',
      `--from: expected an ISO time such as 2026-03-28T00:00:00Z, got '${values.from}'`,
    );
  const schedules = await loadOrReport(positionals, io);
  if (!schedules) return ExitCode.invalidInput;
  const results = schedules.map((s) => ({
    loaded: s,
    fires: nextFires(s, fromMs, count, { includeBlackouts: true }),
  }));
  if (values.json) {
    const out = results.map(({ loaded, fires }) => ({
      schedule: loaded.name,
      timezone: loaded.schedule.timezone,
      next: fires.map((f) => ({
        at: new Date(f.atMs).toISOString(),
        ...(f.blackout && { skipped: f.blackout }),
      })),
    }));
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const { loaded, fires } of results)
      io.stdout.write(`${renderScheduleHeader(loaded)}${renderNextFires(loaded, fires)}`);
  }
  return ExitCode.ok;
}

async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('schedule', argv, {
    history: { type: 'string' },
    runs: { type: 'string' },
    'max-runs': { type: 'string' },
  });
  const maxRuns = values['max-runs'] === undefined ? undefined : Number(values['max-runs']);
  if (maxRuns !== undefined && (!Number.isInteger(maxRuns) || maxRuns < 1))
    throw new SquallError(
      'SQUALL_USAGE',
      `--max-runs: expected a whole number ≥ 1, got '${values['max-runs']}'`,
    );
  const schedules = await loadOrReport(positionals, io);
  if (!schedules) return ExitCode.invalidInput;
  const where = historyLocation(io.env, io.cwd, values.history);
  if (where.path === undefined) throw new SquallError('SQUALL_HISTORY_UNAVAILABLE', where.reason);
  const history = openRunHistory(where.path);
  const runsDir = resolve(io.cwd, values.runs ?? 'runs');
  const say = (text: string) => io.stderr.write(`squall schedule: ${escapeControlLines(text)}\n`);
  let finished = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => {
    stop = r;
  });
  if (io.signal?.aborted) stop();
  io.signal?.addEventListener('abort', () => stop(), { once: true });

  const startRun: StartRun = async (loaded) => {
    // Read again at each fire: the file may have changed since the scheduler started.
    const spec = await loadSpecFile(loaded.run.file, { label: loaded.run.label, vars: loaded.run.vars });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const outDir = resolve(runsDir, `${loaded.name}-${stamp}`);
    const startedBy = startedBySchedule(loaded.name);
    const afterRun = () => {
      finished++;
      if (maxRuns !== undefined && finished >= maxRuns) stop();
    };
    if (spec.kind === 'Suite') {
      const done = runLoadedSuite(spec.suite, { out: outDir, history: where.path, startedBy }, io).finally(
        afterRun,
      );
      return { runId: null, done };
    }
    const runId = randomUUID();
    const done = runSpec({
      loaded: spec.experiment,
      file: loaded.run.file,
      outDir,
      env: io.env,
      cwd: io.cwd,
      history: where.path,
      startedBy,
      runId,
      signal: io.signal,
      warn: say,
      onRunner: (runner) => io.setActiveFaultReporter?.(() => describeActive(runner.activeFaults())),
    })
      .then((r) =>
        say(
          `run ${runId} of ${loaded.name}: ${r.result.outcome} (exit ${r.result.exitCode}), reports in ${outDir}`,
        ),
      )
      .finally(afterRun);
    return { runId, done };
  };

  const scheduler = await startSchedules({ schedules, history, startRun, log: say });
  for (const s of schedules) {
    const next = nextFires(s, Date.now(), 1)[0];
    say(`${s.name}: next run ${next ? new Date(next.atMs).toISOString() : 'never'}`);
  }
  await stopped;
  scheduler.stop();
  await scheduler.idle();
  history.close();
  return ExitCode.ok;
}
