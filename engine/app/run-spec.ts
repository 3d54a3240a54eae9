/**
 * Running one loaded experiment the way every front end runs it: the runner on the default
 * environment, the run recorded in the history (a row at `run.start`, completed when the reports
 * are written), then the reports written from the journal. `squall run` and `squall serve` both
 * call this, so a run started from the control room is the same run, journal and history row as
 * one started from a terminal; each front end only says what it shows while it runs.
 */
import { resolve } from 'node:path';
import type { RunSummary } from '../../reports/summary.js';
import { type LoadedRun, loadRun, writeReports } from '../../reports/write.js';
import type { JournalEvent } from '../core/journal-events.js';
import { makePrivateDir } from '../core/private-files.js';
import { createRunRecorder } from '../history/record-run.js';
import type { RunControls } from '../run/controls.js';
import { createRunner, type Runner, type RunProgress, type RunResult } from '../run/runner.js';
import { defaultEnvironment } from './environment.js';
import type { LoadedExperiment } from './load.js';

export interface RunSpecOptions {
  loaded: LoadedExperiment;
  /** The experiment file, absolute. */
  file: string;
  /** Where journal.jsonl and the reports go (created private). */
  outDir: string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** `--history PATH` / `--no-history`. */
  history?: string;
  noHistory?: boolean;
  /** Who started it, for the history row (default: the user from `env`). */
  startedBy?: string;
  /** The journal's run id, when the caller named the run beforehand. */
  runId?: string;
  signal?: AbortSignal;
  controls?: RunControls;
  junitPath?: string;
  linkBase?: string;
  /** History that cannot be written: said once, the run goes on. */
  warn(text: string): void;
  onRunner?(runner: Runner): void;
  onProgress?(progress: RunProgress): void;
  onEvent?(event: JournalEvent): void;
  /** The run is over; its reports are written next (the CLI ends its progress line here). */
  onReportsDue?(): void;
}

export interface RunSpecResult {
  result: RunResult;
  summary: RunSummary;
  /** journal.jsonl first, then every report written. */
  paths: string[];
  /** The history database the run was recorded in; undefined when it was not. */
  recordedIn?: string;
  /** The journal as the reports read it, for whatever else wants the run (alerts): read once. */
  run: LoadedRun;
}

export async function runSpec(options: RunSpecOptions): Promise<RunSpecResult> {
  makePrivateDir(options.outDir);
  const history = createRunRecorder({
    historyFlag: options.history,
    disabled: options.noHistory,
    env: options.env,
    cwd: options.cwd,
    startedBy: options.startedBy,
    warn: options.warn,
  });
  try {
    history.beginRun(options.outDir);
    const runner = createRunner({
      experiment: options.loaded.experiment,
      file: options.file,
      source: options.loaded.source,
      env: options.env,
      outDir: options.outDir,
      environment: defaultEnvironment,
      signal: options.signal,
      controls: options.controls,
      runId: options.runId,
      onProgress: options.onProgress,
      onEvent: (e) => {
        options.onEvent?.(e);
        history.event(e);
      },
    });
    options.onRunner?.(runner);
    const result = await runner.run();
    options.onReportsDue?.();
    const run = loadRun(result.journalPath);
    const written = writeReports(result.journalPath, options.outDir, {
      junitPath: options.junitPath ? resolve(options.cwd, options.junitPath) : undefined,
      linkBase: options.linkBase,
      loaded: run,
    });
    const recorded = history.finish(written.summary, written.paths);
    return {
      result,
      summary: written.summary,
      paths: written.paths,
      recordedIn: recorded ? history.path : undefined,
      run,
    };
  } finally {
    history.close();
  }
}
