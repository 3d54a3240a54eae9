/**
 * The control room's runs: one executes at a time, the others wait in order. Each run executes
 * in this process through the runner library (run-spec.ts, exactly as `squall run` runs it),
 * which keeps the live stream a function call away. A crash of the server is covered as a crash
 * of `squall run` is: faults on remote agents are reverted by their leases, processes the run
 * manages die with it (pdeathsig), the in-process proxy goes with the process, and the history
 * marks the run `interrupted` at the next read (its row names this process's pid).
 */

import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ExitCode, SquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { createRunControls, type RunControls } from '../../run/controls.js';
import { describeActive } from '../../run/rollback.js';
import type { Runner } from '../../run/runner.js';
import { sleepUntil } from '../../run/timing.js';
import { noSourceMap } from '../../spec/source-map.js';
import type { LoadedSuite } from '../../suite/load.js';
import type { RunNotifier } from '../commands/notify-flag.js';
import type { LoadedExperiment } from '../load.js';
import { runSpec } from '../run-spec.js';
import { RunChannel, type ServedRunState, scoreboardRows } from './run-channel.js';
import type { ServeMetrics } from './serve-metrics.js';

export interface ServedRun {
  runId: string;
  experiment: string;
  /** The file as the library names it. */
  file: string;
  path: string;
  vars: Record<string, string>;
  tags: string[];
  startedBy: string;
  queuedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  state: ServedRunState;
  paused: boolean;
  exitCode: number | null;
  outcome: string | null;
  outDir: string;
  controls: RunControls;
  channel: RunChannel;
  /** Part of a suite started as one: its controls are the suite's (a pause holds the next experiment, abort skips the rest). */
  suite?: SuitePart;
}

/** Where a run sits in a suite started from the control room. */
export interface SuitePart {
  readonly name: string;
  /** The suite's `pause:` steps before this experiment. */
  readonly pauseBeforeMs: number;
  /** Runs of the suite not yet over; the shared controls close with the last. */
  readonly group: { remaining: number };
}

export interface RunManagerOptions {
  runsDir: string;
  history?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  metrics: ServeMetrics;
  log(text: string): void;
  /** Unsent bytes a viewer may fall behind before it is dropped (run-channel.ts). */
  maxBufferedBytes?: number;
  /** `serve --notify`: every run's events and end, as `squall run --notify` hands them over. */
  notifier?: RunNotifier;
}

/** Runs over this many are forgotten here (the history keeps them). */
const KEEP_FINISHED = 50;

export class RunManager {
  readonly #options: RunManagerOptions;
  readonly #runs = new Map<string, ServedRun>();
  readonly #queue: { run: ServedRun; loaded: LoadedExperiment }[] = [];
  #active: { run: ServedRun; done: Promise<void>; runner?: Runner } | undefined;
  readonly #finishedWaiters = new Map<string, (() => void)[]>();

  constructor(options: RunManagerOptions) {
    this.#options = options;
  }

  get(runId: string): ServedRun | undefined {
    return this.#runs.get(runId);
  }

  /** Newest first. */
  list(): ServedRun[] {
    return [...this.#runs.values()].reverse();
  }

  get active(): ServedRun | undefined {
    return this.#active?.run;
  }

  /** What may still be active, for a second Ctrl-C. */
  activeFaults(): string[] {
    return this.#active?.runner ? describeActive(this.#active.runner.activeFaults()) : [];
  }

  enqueue(
    loaded: LoadedExperiment,
    file: string,
    path: string,
    vars: Record<string, string>,
    by: string,
    part?: { suite: SuitePart; controls: RunControls },
  ): ServedRun {
    const runId = randomUUID();
    const name = loaded.experiment.metadata.name;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const run: ServedRun = {
      runId,
      experiment: name,
      file,
      path,
      vars,
      tags: [...(loaded.experiment.metadata.tags ?? [])],
      startedBy: by,
      queuedAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      state: 'queued',
      paused: false,
      exitCode: null,
      outcome: null,
      outDir: resolve(this.#options.runsDir, `${name}-${stamp}-${runId.slice(0, 8)}`),
      controls: part?.controls ?? createRunControls(),
      ...(part && { suite: part.suite }),
      channel: new RunChannel(
        { state: 'queued', paused: false },
        {
          maxBufferedBytes: this.#options.maxBufferedBytes,
          onDrop: () => this.#options.metrics.dropped(),
          onClients: (d) => this.#options.metrics.viewers(d),
        },
      ),
    };
    this.#runs.set(runId, run);
    this.#queue.push({ run, loaded });
    this.#options.metrics.queued(this.#queue.length);
    this.#forgetOld();
    this.#pump();
    return run;
  }

  /**
   * A suite as one queued run per experiment, in order, sharing one set of controls: a pause
   * holds the next experiment (and the current one's injections), abort stops the current one
   * (rolled back) and skips the rest, as `squall run` does with a suite. The suite's `pause:`
   * steps are waited out between its experiments.
   */
  enqueueSuite(suite: LoadedSuite, file: string, by: string): ServedRun[] {
    const steps = suite.steps;
    const group = { remaining: steps.filter((s) => s.kind === 'experiment').length };
    const controls = createRunControls();
    const runs: ServedRun[] = [];
    let pauseBeforeMs = 0;
    for (const step of steps) {
      if (step.kind === 'pause') {
        pauseBeforeMs += step.pauseMs;
        continue;
      }
      const loaded: LoadedExperiment = {
        file: step.file,
        experiment: step.experiment,
        vars: step.vars,
        source: noSourceMap(step.file),
      };
      const part = { suite: { name: suite.suite.metadata.name, pauseBeforeMs, group }, controls };
      runs.push(this.enqueue(loaded, file, step.file, step.vars, by, part));
      pauseBeforeMs = 0;
    }
    return runs;
  }

  abort(runId: string, by: string): void {
    const run = this.#mustGet(runId);
    const queued = this.#queue.findIndex((q) => q.run === run);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.#options.metrics.queued(this.#queue.length);
      this.#finish(run, ExitCode.aborted, 'cancelled');
      this.#options.log(`run ${runId} cancelled before it started by ${by}`);
      return;
    }
    if (run.state !== 'running' || !run.controls.abort(by)) throw conflict(run, 'abort');
  }

  pause(runId: string, by: string): void {
    const run = this.#mustGet(runId);
    if (run.state === 'finished' || run.state === 'interrupted' || !run.controls.pause(by))
      throw conflict(run, 'pause');
    this.#setPaused(run, true);
  }

  resume(runId: string, by: string): void {
    const run = this.#mustGet(runId);
    if (!run.controls.resume(by)) throw conflict(run, 'resume');
    this.#setPaused(run, false);
  }

  note(runId: string, by: string, text: string): void {
    const run = this.#mustGet(runId);
    if (run.state === 'finished' || run.state === 'interrupted') throw conflict(run, 'note');
    run.controls.note(by, text);
  }

  /** Cancels the queue, aborts the active run with `by`, and waits for its rollback. */
  async shutdown(by: string): Promise<void> {
    for (const { run } of this.#queue.splice(0)) this.#finish(run, ExitCode.aborted, 'cancelled');
    this.#options.metrics.queued(0);
    const active = this.#active;
    if (active) {
      active.run.controls.abort(by, `the control room is stopping (${by})`);
      await active.done;
    }
    for (const run of this.#runs.values()) run.channel.close();
  }

  /** Resolves when the run is over (finished or cancelled); at once for one not known here. */
  whenFinished(runId: string): Promise<void> {
    const run = this.#runs.get(runId);
    if (!run || run.state === 'finished' || run.state === 'interrupted') return Promise.resolve();
    return new Promise((resolve) => {
      this.#finishedWaiters.set(runId, [...(this.#finishedWaiters.get(runId) ?? []), resolve]);
    });
  }

  /** Resolves when nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.#active) await this.#active.done;
  }

  #mustGet(runId: string): ServedRun {
    const run = this.#runs.get(runId);
    if (!run)
      throw new SquallError(
        'SQUALL_SERVE_NOT_FOUND',
        `run '${runId}' is not active or queued in this server (only those can be controlled)`,
      );
    return run;
  }

  #setPaused(run: ServedRun, paused: boolean): void {
    run.paused = paused;
    if (run === this.#active?.run) this.#options.metrics.paused(paused);
    run.channel.setState({ paused });
  }

  #pump(): void {
    if (this.#active) return;
    const next = this.#queue.shift();
    this.#options.metrics.queued(this.#queue.length);
    if (!next) return;
    const active: { run: ServedRun; done: Promise<void>; runner?: Runner } = {
      run: next.run,
      done: Promise.resolve(),
    };
    this.#active = active;
    active.done = this.#startWhenDue(next.run, next.loaded, (runner) => {
      active.runner = runner;
    }).finally(() => {
      this.#active = undefined;
      this.#pump();
    });
  }

  /** A suite's next experiment waits out the suite's pause and the operator's; an abort skips it. */
  async #startWhenDue(
    run: ServedRun,
    loaded: LoadedExperiment,
    onRunner: (r: Runner) => void,
  ): Promise<void> {
    if (run.suite) {
      const { signal } = run.controls;
      try {
        if (run.suite.pauseBeforeMs > 0) await sleepUntil(Date.now() + run.suite.pauseBeforeMs, signal);
        await run.controls.whenRunning(signal);
        signal.throwIfAborted();
      } catch {
        this.#options.log(
          `run ${run.runId} (${run.experiment}) skipped: its suite ${run.suite.name} was aborted`,
        );
        this.#finish(run, ExitCode.aborted, 'cancelled');
        return;
      }
    }
    await this.#execute(run, loaded, onRunner);
  }

  async #execute(run: ServedRun, loaded: LoadedExperiment, onRunner: (r: Runner) => void): Promise<void> {
    const { metrics } = this.#options;
    run.state = 'running';
    run.startedAt = new Date().toISOString();
    metrics.paused(run.paused);
    run.channel.setState({ state: 'running' });
    try {
      const { result, run: loadedRun } = await runSpec({
        loaded,
        file: run.path,
        outDir: run.outDir,
        env: this.#options.env,
        cwd: this.#options.cwd,
        history: this.#options.history,
        startedBy: run.startedBy,
        runId: run.runId,
        controls: run.controls,
        warn: (text) => this.#options.log(escapeControlLines(text)),
        onRunner,
        onEvent: (e) => {
          metrics.event(e);
          run.channel.journal(e);
          this.#options.notifier?.observe(e);
        },
        onProgress: (p) => {
          metrics.slos(p.slos);
          run.channel.scoreboard(scoreboardRows(p.slos));
        },
      });
      this.#options.notifier?.runEnded(result.journalPath, loadedRun);
      this.#finish(run, result.exitCode, result.outcome);
    } catch (err) {
      this.#options.log(`run ${run.runId} failed: ${(err as Error).message}`);
      this.#finish(run, ExitCode.infrastructure, 'error');
    }
  }

  #finish(run: ServedRun, exitCode: number, outcome: string): void {
    // A suite's controls outlive each experiment: a pause between them holds the next one.
    if (!run.suite || --run.suite.group.remaining === 0) run.controls.close();
    run.state = 'finished';
    run.paused = false;
    run.exitCode = exitCode;
    run.outcome = outcome;
    run.endedAt = new Date().toISOString();
    if (run.startedAt !== null) this.#options.metrics.runEnded();
    else this.#options.metrics.runCancelled();
    run.channel.setState({ state: 'finished', paused: false, exitCode, outcome });
    for (const resolve of this.#finishedWaiters.get(run.runId) ?? []) resolve();
    this.#finishedWaiters.delete(run.runId);
  }

  #forgetOld(): void {
    const finished = [...this.#runs.values()].filter((r) => r.state === 'finished');
    for (const run of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      run.channel.close();
      this.#runs.delete(run.runId);
    }
  }
}

function conflict(run: ServedRun, action: string): SquallError {
  const now = run.paused ? 'paused' : run.state;
  const why =
    action === 'resume' ? 'it is not paused' : run.state === 'finished' ? 'it is over' : `it is ${now}`;
  return new SquallError('SQUALL_SERVE_CONFLICT', `cannot ${action} run ${run.runId}: ${why}`);
}
