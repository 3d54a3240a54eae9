/**
 * The suite runner: a game day's experiments in order, each a normal run (createRunner) with
 * its own output directory and reports, with the suite's pauses between them.
 *
 * - Verdict: the worst exit code of the experiments that ran (0 < 1 breached < 3 aborted <
 *   4 error < 5 rollback failed), so CI fails when any part failed.
 * - After a failure (any exit but 0) the rest is skipped unless `continueOnFailure`; after a
 *   failed rollback it is always skipped: a fault may still be active, and the next
 *   experiment would measure it.
 * - The operator's abort (Ctrl-C) stops the current experiment the usual way (its rollback
 *   runs), cuts a pause short, and skips the rest; the result says so.
 * Pure of argv and process globals, like createRunner: the CLI passes the signal in.
 */
import { join } from 'node:path';
import type { SuiteEntryResult, SuiteRecord } from '../../reports/suite-summary.js';
import { writeReports } from '../../reports/write.js';
import { ExitCode } from '../core/errors.js';
import { makePrivateDir } from '../core/private-files.js';
import type { RunControls } from '../run/controls.js';
import type { EnvironmentFactory, Runner, RunOptions, RunResult } from '../run/runner.js';
import { createRunner } from '../run/runner.js';
import { sleepUntil } from '../run/timing.js';
import type { LoadedSuite, SuiteExperimentStep } from './load.js';

export interface SuiteRunOptions {
  suite: LoadedSuite;
  /** The suite's directory: one subdirectory per experiment, and the combined reports. */
  outDir: string;
  environment: EnvironmentFactory;
  /** `--link-base` for each experiment's reports (reports/links.ts). */
  linkBase?: string;
  /** Operator abort: stops the current experiment (rolled back) and skips the rest. */
  signal?: AbortSignal;
  /** The operator's controls for the whole suite: a pause holds the next experiment, abort stops it (controls.ts). */
  controls?: RunControls;
  /** Before each experiment starts: `index` counts from 1 among `total` experiments. */
  onExperiment?(step: SuiteExperimentStep, index: number, total: number, runner: Runner): void;
  onExperimentEnd?(step: SuiteExperimentStep, result: SuiteEntryResult): void;
  onPause?(pauseMs: number, next: string): void;
  /** Passed to each experiment's runner. */
  onProgress?: RunOptions['onProgress'];
  onEvent?: RunOptions['onEvent'];
  sliceMs?: number;
}

/** `01-edge-cloud-partition`: sorted in run order in a directory listing. */
export function experimentDirName(index: number, name: string): string {
  return `${String(index).padStart(2, '0')}-${name}`;
}

/** Runs the suite; returns what happened to every experiment (ran or skipped, and why). */
export async function runSuite(options: SuiteRunOptions): Promise<SuiteRecord> {
  const { suite, controls } = options;
  const signal = combine(options.signal, controls?.signal);
  const experiments = suite.steps.filter((s): s is SuiteExperimentStep => s.kind === 'experiment');
  const entries: SuiteEntryResult[] = [];
  const startedMs = Date.now();
  let stopReason: string | undefined;
  let interrupted = false;
  let ordinal = 0;

  for (const [i, step] of suite.steps.entries()) {
    if (signal?.aborted && !interrupted) {
      interrupted = true;
      stopReason = 'the suite was interrupted by the operator';
    }
    if (step.kind === 'pause') {
      const next = suite.steps.slice(i + 1).find((s) => s.kind === 'experiment');
      // A pause leads to the next experiment; with nothing left to run there is nothing to wait for.
      if (stopReason || !next) continue;
      options.onPause?.(step.pauseMs, next.name);
      try {
        await sleepUntil(Date.now() + step.pauseMs, signal);
      } catch {
        // aborted: the check at the top of the loop records it
      }
      continue;
    }
    ordinal++;
    const dir = experimentDirName(ordinal, step.name);
    if (stopReason) {
      entries.push(skipped(step, dir, stopReason));
      continue;
    }
    // Paused: the next experiment waits for resume (an abort while waiting skips the rest).
    try {
      await controls?.whenRunning(signal);
    } catch {
      interrupted = true;
      stopReason = 'the suite was interrupted by the operator';
      entries.push(skipped(step, dir, stopReason));
      continue;
    }
    const outDir = join(options.outDir, dir);
    makePrivateDir(outDir);
    const runner = createRunner({
      experiment: step.experiment,
      file: step.file,
      outDir,
      environment: options.environment,
      signal: options.signal,
      controls,
      onProgress: options.onProgress,
      onEvent: options.onEvent,
      sliceMs: options.sliceMs,
    });
    options.onExperiment?.(step, ordinal, experiments.length, runner);
    const result = await runner.run();
    const written = writeReports(result.journalPath, outDir, { linkBase: options.linkBase });
    const entry: SuiteEntryResult = {
      name: step.name,
      file: step.label,
      vars: step.vars,
      dir,
      status: 'ran',
      exitCode: result.exitCode,
      outcome: result.outcome,
      skipReason: null,
      summary: written.summary,
    };
    entries.push(entry);
    options.onExperimentEnd?.(step, entry);
    stopReason = stopAfter(result, step.name, suite.suite.continueOnFailure, signal);
    if (signal?.aborted) interrupted = true;
  }

  const ran = entries.filter((e) => e.exitCode !== null);
  const exitCode = ran.reduce<number>((worst, e) => Math.max(worst, e.exitCode!), ExitCode.ok);
  return {
    suite: suite.suite.metadata.name,
    description: suite.suite.metadata.description ?? null,
    runbook: suite.suite.metadata.runbook ?? null,
    file: suite.label,
    startedAt: new Date(startedMs).toISOString(),
    endedAt: new Date().toISOString(),
    durationMs: Date.now() - startedMs,
    continueOnFailure: suite.suite.continueOnFailure,
    interrupted,
    exitCode,
    experiments: entries,
  };
}

/** Why the rest of the suite must not run after `result`, or undefined to go on. */
function stopAfter(
  result: RunResult,
  name: string,
  continueOnFailure: boolean,
  signal: AbortSignal | undefined,
): string | undefined {
  if (signal?.aborted) return 'the suite was interrupted by the operator';
  if (result.exitCode === ExitCode.rollbackFailed) {
    return `'${name}' could not roll back a fault, which may still be active; nothing more is run until it is removed`;
  }
  if (result.exitCode !== ExitCode.ok && !continueOnFailure) {
    return `'${name}' failed (exit ${result.exitCode}) and continueOnFailure is false`;
  }
  return undefined;
}

function skipped(step: SuiteExperimentStep, dir: string, reason: string): SuiteEntryResult {
  return {
    name: step.name,
    file: step.label,
    vars: step.vars,
    dir,
    status: 'skipped',
    exitCode: null,
    outcome: null,
    skipReason: reason,
    summary: null,
  };
}

/** Either signal aborts the suite. */
function combine(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length > 1 ? AbortSignal.any(present) : present[0];
}
