/**
 * `squall run <suite.yaml>`: the run command for `kind: Suite` files. Validates the suite and
 * every experiment in it first, then runs them in order with their pauses, each into
 * `<out>/NN-<name>/`, and writes the combined report into `<out>`. Exit code: the worst of the
 * experiments'. Ctrl-C stops the current experiment (rolled back) and skips the rest.
 */
import { join, resolve } from 'node:path';
import { suiteWord } from '../../../reports/suite-render.js';
import { ExitCode } from '../../core/errors.js';
import { makePrivateDir } from '../../core/private-files.js';
import { formatDurationMs } from '../../core/units.js';
import { buildPlan, renderPlan } from '../../run/plan.js';
import { describeActive } from '../../run/rollback.js';
import type { LoadedSuite, SuiteExperimentStep } from '../../suite/load.js';
import { renderSuitePlan } from '../../suite/plan.js';
import { writeSuiteReports } from '../../suite/report.js';
import { experimentDirName, runSuite } from '../../suite/run-suite.js';
import type { CliIO } from '../cli/command.js';
import { ProgressDisplay } from '../cli/progress.js';
import { defaultEnvironment } from '../environment.js';
import { openRunNotifier } from './notify-flag.js';
import { type HistoryFlags, recordedLine, runRecorder } from './run-history.js';

export interface SuiteRunFlags extends HistoryFlags {
  out?: string;
  junit?: string;
  /** `--link-base`, for each experiment's reports (reports/links.ts). */
  linkBase?: string;
  json?: boolean;
  dryRun?: boolean;
  /** `--notify FILE` (notify-flag.ts). */
  notify?: string;
}

/** Runs a suite that loaded cleanly (suite and every experiment validated). */
export async function runLoadedSuite(loaded: LoadedSuite, flags: SuiteRunFlags, io: CliIO) {
  const experiments = loaded.steps.filter((s): s is SuiteExperimentStep => s.kind === 'experiment');
  const say = (text: string) => (flags.json ? io.stderr : io.stdout).write(text);
  const notify = await openRunNotifier(flags.notify, io);
  if (notify === 'invalid') return ExitCode.invalidInput;
  if (flags.dryRun) {
    io.stdout.write(renderSuitePlan(loaded));
    io.stdout.write('\ndry run: nothing was injected.\n');
    await notify?.close();
    return ExitCode.ok;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(io.cwd, flags.out ?? `runs/${loaded.suite.metadata.name}-${stamp}`);
  makePrivateDir(outDir);
  const display = new ProgressDisplay(io.stderr);
  // Each experiment is a run of its own in the history, marked with the suite it ran in.
  const history = runRecorder(flags, io, { name: loaded.suite.metadata.name, dir: outDir });
  let recorded = 0;
  say(`suite ${loaded.suite.metadata.name}: ${experiments.length} experiments\n`);
  const record = await runSuite({
    suite: loaded,
    outDir,
    environment: defaultEnvironment,
    linkBase: flags.linkBase,
    signal: io.signal,
    onExperiment: (step, index, total, runner) => {
      history.beginRun(join(outDir, experimentDirName(index, step.name)));
      io.setActiveFaultReporter?.(() => describeActive(runner.activeFaults()));
      say(`\n=== [${index}/${total}] ${step.name} (${step.label})\n`);
      if (!flags.json) io.stdout.write(renderPlan(buildPlan(step.experiment)));
    },
    onExperimentEnd: (_step, entry) => {
      display.done();
      if (entry.summary && history.finish(entry.summary)) recorded++;
      notify?.runEnded(join(outDir, entry.dir, 'journal.jsonl'));
      say(`=== ${entry.name}: ${entry.outcome} (exit ${entry.exitCode})\n`);
    },
    onPause: (pauseMs, next) => say(`\n--- pause ${formatDurationMs(pauseMs)} before ${next}\n`),
    onProgress: (p) => display.progress(p),
    onEvent: (e) => {
      display.event(e);
      history.event(e);
      notify?.observe(e);
    },
  }).catch((err: unknown) => {
    history.close();
    throw err;
  });
  const recordedIn = recorded > 0 ? history.path : undefined;
  history.close();
  io.setActiveFaultReporter?.(() => []);
  const { summary, paths } = writeSuiteReports(record, outDir, {
    junitPath: flags.junit ? resolve(io.cwd, flags.junit) : undefined,
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    await notify?.close();
    return summary.exitCode;
  }
  const lines = ['', 'experiment                   verdict          exit  time'];
  for (const e of summary.experiments) {
    const verdict = e.status === 'skipped' ? 'skipped' : (e.outcome ?? '');
    lines.push(
      `${e.name.padEnd(28)} ${verdict.padEnd(16)} ${String(e.exitCode ?? '—').padEnd(5)} ${e.durationMs === null ? '—' : formatDurationMs(e.durationMs)}`,
    );
    if (e.skipReason && e === summary.experiments.find((x) => x.skipReason))
      lines.push(`  skipped: ${e.skipReason}`);
  }
  lines.push(
    `${suiteWord(summary)}: ${summary.counts.passed}/${summary.counts.experiments} experiments passed (exit ${summary.exitCode})`,
    ...paths.map((p) => `  ${p}`),
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  if (recordedIn) io.stdout.write(recordedLine(recordedIn));
  await notify?.close();
  return summary.exitCode;
}
