/**
 * The runner: one experiment, start to finish. setup → preflight gate → baseline → fault
 * window → recovery → rollback → score. Rollback runs on every path out (success, breach,
 * guard trip, operator abort, error); a revert that still fails after retries is a leftover
 * and the run exits 5 naming it. `createRunner` is pure of argv and process globals: the CLI
 * wires signals to `options.signal`.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode, type Leftover, SquallError } from '../core/errors.js';
import type { FaultInjector, SessionLoss } from '../core/faults.js';
import type {
  AbortEvent,
  JournalEvent,
  JournalEventInput,
  PhaseName,
  RunEndEvent,
  VerdictEvent,
} from '../core/journal-events.js';
import { encodeHistogram, type MetricsSource } from '../core/metrics.js';
import { SQUALL_VERSION } from '../core/version.js';
import { type LiveContext, LiveScoreboard, type LiveSlo } from '../slo/live.js';
import type { FaultTiming } from '../slo/recovery.js';
import type { WindowName } from '../slo/windows.js';
import { resolveRunbook } from '../spec/runbook.js';
import type { Experiment } from '../spec/schema.js';
import type { SourceMap } from '../spec/source-map.js';
import { handOverLostAgent } from './agent-loss.js';
import { closeWindow, runFault } from './fault-task.js';
import { openJournal } from './journal.js';
import { MetricsCollector, sliceToEvent } from './metrics-collector.js';
import { MetricsLoop } from './metrics-loop.js';
import { buildPlan } from './plan.js';
import { prepareRunSecrets } from './redact.js';
import {
  type ActiveFaultRecord,
  DEFAULT_REVERT_POLICY,
  type RevertPolicy,
  revertWithRetry,
} from './rollback.js';
import { type PhaseBounds, scoring } from './scoring.js';
import { sleepUntil } from './timing.js';

/** Everything the experiment's `system:` section stands up, and how to take it down again. */
export interface RunEnvironment {
  /** Injectors by agent name; `local` is always present. */
  injectors: Map<string, FaultInjector>;
  sources: MetricsSource[];
  /** Tells the runner when the session to a remote agent is lost (losses before the call are replayed). */
  watchAgents?(onLost: (loss: SessionLoss) => void): void;
  teardown(): Promise<void>;
}

export type EnvironmentFactory = (
  experiment: Experiment,
  context: {
    runDir: string;
    log: (message: string) => void;
    /** The experiment file, for relative paths. */
    file?: string;
    /** The slice grid (metrics.ts): sources date counts on it. */
    sliceMs: number;
    /** Where each field was written, to position problems found at run start (agent capacity). */
    source?: SourceMap;
  },
) => Promise<RunEnvironment>;

/** A live view for the CLI's progress line (and anyone watching the run). */
export interface RunProgress {
  phase: PhaseName;
  elapsedMs: number;
  totalMs: number;
  activeFaults: string[];
  /** Every SLO whose window has opened, over its window so far (engine/slo/live.ts). */
  slos: LiveSlo[];
}

/** Why a run stopped early; the reason given to the run's AbortController. */
export interface AbortReason {
  reason: AbortEvent['reason'];
  detail: string;
}

export interface RunOptions {
  experiment: Experiment;
  file: string;
  /** The file's source map (LoadedExperiment.source), for positioned errors at run start. */
  source?: SourceMap;
  /** What `${env:NAME}` secret references read (the CLI passes its own); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory for journal.jsonl, logs and reports. */
  outDir: string;
  environment: EnvironmentFactory;
  /** Operator abort (the CLI aborts it on SIGINT/SIGTERM); `reason` may be an AbortReason. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  onEvent?: (event: JournalEvent) => void;
  /** Length of a metrics slice; 1000 ms unless a test wants it shorter. */
  sliceMs?: number;
  revertPolicy?: RevertPolicy;
}

export type RunOutcome = RunEndEvent['outcome'];

export interface RunResult {
  exitCode: ExitCode;
  outcome: RunOutcome;
  journalPath: string;
  verdict?: VerdictEvent;
  leftovers: Leftover[];
  error?: SquallError;
  aborted?: AbortReason;
}

export interface Runner {
  run(): Promise<RunResult>;
  /** Faults injected and not yet reverted (for the second Ctrl-C). */
  activeFaults(): ActiveFaultRecord[];
}

export function createRunner(options: RunOptions): Runner {
  const active = new Map<string, ActiveFaultRecord>();
  return {
    activeFaults: () => [...active.values()],
    run: () => execute(options, active),
  };
}

async function execute(options: RunOptions, active: Map<string, ActiveFaultRecord>): Promise<RunResult> {
  const { experiment } = options;
  // Secret references stay unresolved in the journal; every event is scrubbed (redact.ts).
  const { env: secretEnv = process.env, source } = options;
  const secrets = prepareRunSecrets(experiment, { env: secretEnv, baseDir: dirname(options.file), source });
  let live = experiment;
  const sliceMs = options.sliceMs ?? 1000;
  const durations = buildPlan(experiment).durations;
  const totalMs = durations.preflightMs + durations.baselineMs + durations.faultMs + durations.recoveryMs;
  const journal = openJournal(join(options.outDir, 'journal.jsonl'));
  const emit: typeof journal.append = (event, opts) => {
    const stamped = journal.append(secrets.scrubber.value(event), opts);
    options.onEvent?.(stamped as JournalEvent);
    return stamped;
  };
  const log = (message: string) =>
    emit({ type: 'log', level: /unexpected|fail|error|could not/i.test(message) ? 'warn' : 'info', message });

  const runAbort = new AbortController();
  let abortInfo: AbortReason | undefined;
  const abortRun = (info: AbortReason) => {
    if (abortInfo) return;
    abortInfo = info;
    emit({ type: 'abort', reason: info.reason, detail: info.detail }, { durable: true });
    runAbort.abort(info);
  };
  const onOperatorAbort = () => {
    const r = options.signal?.reason as Partial<AbortReason> | undefined;
    abortRun({ reason: r?.reason ?? 'signal', detail: r?.detail ?? 'aborted by the operator' });
  };
  if (options.signal?.aborted) onOperatorAbort();
  options.signal?.addEventListener('abort', onOperatorAbort, { once: true });

  let phase: PhaseName = 'setup';
  const phaseLog: { phase: PhaseName; startMs: number }[] = [];
  /** `plannedMs`: where the phase starts on the slice grid (its scored bound), if not now. */
  // A scored phase's event is stamped with its planned bound, the window the scorer uses, so
  // reports rebuild the same windows from the journal (reports/timeline.ts).
  const enterPhase = (next: PhaseName, plannedMs?: number) => {
    phase = next;
    const event = emit({
      type: 'phase',
      phase: next,
      ...(plannedMs !== undefined && { t: plannedMs }),
    } as JournalEventInput);
    phaseLog.push({ phase: next, startMs: event.t });
    return event.t;
  };
  const phaseAt = (tMs: number): PhaseName => {
    let found: PhaseName = 'setup';
    for (const p of phaseLog) if (p.startMs <= tMs) found = p.phase;
    return found;
  };

  emit({
    type: 'run.start',
    runId: randomUUID(),
    experiment: experiment.metadata.name,
    file: options.file,
    spec: secrets.journalSpec,
    runbook: resolveRunbook(options.file, experiment.metadata.runbook),
    squallVersion: SQUALL_VERSION,
    node: process.version,
    host: hostname(),
    plan: durations,
  });

  const bounds: PhaseBounds = {};
  const faultWindows: { name: string; startMs: number; endMs: number; instantaneous: boolean }[] = [];
  let env: RunEnvironment | undefined;
  let collector: MetricsCollector | undefined;
  let metrics: MetricsLoop | undefined;
  let error: SquallError | undefined;
  const timeline = new AbortController();
  // Every scheduled fault waits on this signal; hundreds of listeners are expected, not a leak.
  setMaxListeners(0, timeline.signal, runAbort.signal);
  const faultTasks: Promise<void>[] = [];
  runAbort.signal.addEventListener('abort', () => timeline.abort(runAbort.signal.reason), { once: true });

  try {
    enterPhase('setup');
    live = secrets.resolve();
    env = await options.environment(live, {
      runDir: options.outDir,
      log,
      file: options.file,
      sliceMs,
      source: options.source,
    });
    env.watchAgents?.((loss) => {
      if (phase === 'rollback' || phase === 'settle' || phase === 'score' || phase === 'done') return;
      const lost = handOverLostAgent(loss, active, emit);
      error ??= lost;
      abortRun({ reason: 'error', detail: lost.message });
    });
    runAbort.signal.throwIfAborted();
    for (const source of env.sources) await source.start?.();
    // Slices start on the grid (multiples of sliceMs), where sources date their counts.
    const t0 = Math.ceil(Date.now() / sliceMs) * sliceMs;
    await sleepUntil(t0, runAbort.signal);
    enterPhase('preflight', t0);
    collector = new MetricsCollector(env.sources, t0);
    const board = new LiveScoreboard(experiment.slos, { settleMs: settleAllowanceMs(experiment) });
    metrics = new MetricsLoop(collector, {
      startMs: t0,
      sliceMs,
      onSlice: (slice) => {
        const slicePhase = phaseAt(slice.startMs);
        emit(sliceToEvent(slice, slicePhase, encodeHistogram, collector!.takeAmendments()));
        board.add(slice, liveWindowsOf(slicePhase));
        if (phase === 'baseline' || phase === 'fault' || phase === 'recovery') {
          const trip = scoring.evaluateGuards(
            experiment,
            collector!.slices,
            slice.startMs + slice.durationMs,
            bounds,
          );
          if (trip) {
            emit({ type: 'guard.tripped', guard: trip.guard, reason: trip.reason }, { durable: true });
            abortRun({ reason: 'guard', detail: `guard '${trip.guard}' tripped: ${trip.reason}` });
          }
        }
        const nowMs = slice.startMs + slice.durationMs;
        options.onProgress?.({
          phase,
          // Settling after the planned end is not more run: the clock stops at the total.
          elapsedMs: Math.min(nowMs - t0, totalMs),
          totalMs,
          activeFaults: [...active.values()].map((r) => r.name),
          slos: board.evaluate(liveContext(nowMs, t0 + durations.preflightMs, t0, bounds, faultWindows)),
        });
      },
    });

    metrics.start();

    const preflightEndMs = t0 + durations.preflightMs;
    await sleepUntil(preflightEndMs, runAbort.signal);
    metrics.closeThrough(preflightEndMs);
    gateSteadyState(experiment, collector, [t0, preflightEndMs], abortRun, '');

    // Phase bounds come from the plan, not from when the event loop got round to them, so they
    // fall on slice boundaries (slices are aligned to t0) and windows never split a slice.
    const baselineStartMs = preflightEndMs;
    enterPhase('baseline', baselineStartMs);
    bounds.baseline = [baselineStartMs, baselineStartMs + durations.baselineMs];
    await sleepUntil(bounds.baseline[1], runAbort.signal);
    metrics.closeThrough(bounds.baseline[1]);
    // Message counts of the preflight settle after the sink's grace: the gate is confirmed with
    // what settled since, before the first injection.
    gateSteadyState(
      experiment,
      collector,
      [t0, preflightEndMs],
      abortRun,
      ' (confirmed before the first fault, with the message counts settled since the gate)',
    );

    const faultStartMs = bounds.baseline[1];
    enterPhase('fault', faultStartMs);
    bounds.fault = [faultStartMs, faultStartMs + durations.faultMs];
    for (const fault of live.faults) {
      faultTasks.push(
        runFault(fault, faultStartMs, {
          env,
          active,
          emit,
          signal: timeline.signal,
          revertPolicy: options.revertPolicy ?? DEFAULT_REVERT_POLICY,
          onWindow: (w) => faultWindows.push(w),
          onFailure: (err) => {
            error ??= err;
            abortRun({ reason: 'error', detail: err.message });
          },
        }),
      );
    }
    await sleepUntil(bounds.fault[1], runAbort.signal);
    await Promise.all(faultTasks);
    runAbort.signal.throwIfAborted();

    const recoveryStartMs = bounds.fault[1];
    enterPhase('recovery', recoveryStartMs);
    bounds.recovery = [recoveryStartMs, recoveryStartMs + durations.recoveryMs];
    await sleepUntil(bounds.recovery[1], runAbort.signal);
    // The last slice of the run is read now, while the fleet still runs (no teardown dip).
    metrics.closeThrough(bounds.recovery[1]);
  } catch (err) {
    if (!(runAbort.signal.aborted && err === runAbort.signal.reason)) {
      error ??=
        err instanceof SquallError
          ? err
          : new SquallError(
              'SQUALL_INTERNAL',
              err instanceof Error ? (err.stack ?? err.message) : String(err),
              {
                cause: err,
              },
            );
      if (abortInfo?.reason !== 'preflight') {
        emit({ type: 'error', code: error.code, message: error.message }, { durable: true });
      }
    }
  }

  // Rollback: stop the timeline, let in-flight injections settle, then revert what is active.
  const endMs = Date.now();
  for (const key of ['baseline', 'fault', 'recovery'] as const) {
    const b = bounds[key];
    if (b && b[1] > endMs) b[1] = endMs;
  }
  timeline.abort(abortInfo ?? { reason: 'error', detail: 'run ended' });
  await Promise.allSettled(faultTasks);
  // The run ends where its last window does (the planned end, or where it was cut short);
  // slices from there on belong to rollback and settling, not to recovery.
  const lastWindow = bounds.recovery ?? bounds.fault ?? bounds.baseline;
  enterPhase('rollback', lastWindow ? lastWindow[1] : undefined);
  const leftovers: Leftover[] = [];
  for (const record of [...active.values()].reverse()) {
    const result = await revertWithRetry(record, options.revertPolicy ?? DEFAULT_REVERT_POLICY);
    if (result.ok) {
      active.delete(record.faultId);
      emit(
        {
          type: 'fault.reverted',
          faultId: record.faultId,
          name: record.name,
          kind: record.kind,
          attempts: result.attempts,
        },
        { durable: true },
      );
      closeWindow(faultWindows, record.name);
    } else {
      leftovers.push(result.leftover);
      emit(
        { type: 'fault.revert_failed', leftover: result.leftover, attempts: result.attempts },
        { durable: true },
      );
    }
  }
  // Message counts are dated by send time and settle after the sink's grace: the sources keep
  // running (and the clock keeps closing slices, none of them scored) until every count dated
  // inside the run is final. Only then do they stop.
  const runEndMs = lastWindow?.[1];
  if (env && metrics && runEndMs !== undefined) {
    enterPhase('settle');
    await Promise.all(
      env.sources.map((source) =>
        Promise.resolve(source.settle?.(runEndMs)).catch((err: unknown) =>
          log(`settling ${source.name}: ${(err as Error).message}`),
        ),
      ),
    );
  }
  if (env) {
    for (const source of env.sources) {
      await Promise.resolve(source.stop?.()).catch((err: unknown) =>
        log(`stopping ${source.name}: ${(err as Error).message}`),
      );
    }
  }
  await metrics?.stop();
  await env?.teardown().catch((err: unknown) => log(`teardown: ${(err as Error).message}`));
  options.signal?.removeEventListener('abort', onOperatorAbort);

  enterPhase('score');
  if (bounds.baseline)
    bounds.run = [bounds.baseline[0], (bounds.recovery ?? bounds.fault ?? bounds.baseline)[1]];
  let verdict: VerdictEvent | undefined;
  if (collector && bounds.run) {
    const scored = scoring.score(experiment, collector.slices, bounds, faultWindows);
    verdict = emit(
      {
        type: 'verdict',
        hypothesis: scored.hypothesis,
        exitCode: scored.hypothesis === 'holds' ? ExitCode.ok : ExitCode.sloBreached,
        resilienceScore: scored.resilienceScore,
        slos: scored.slos,
      },
      { durable: true },
    ) as VerdictEvent;
  }

  let exitCode: ExitCode;
  let outcome: RunOutcome;
  if (leftovers.length > 0) [exitCode, outcome] = [ExitCode.rollbackFailed, 'rollback_failed'];
  else if (abortInfo && abortInfo.reason !== 'error') [exitCode, outcome] = [ExitCode.aborted, 'aborted'];
  else if (error)
    [exitCode, outcome] = [error.exitCode, error.exitCode === ExitCode.invalidInput ? 'invalid' : 'error'];
  else if (verdict && verdict.hypothesis !== 'holds')
    [exitCode, outcome] = [ExitCode.sloBreached, 'slo_breached'];
  else [exitCode, outcome] = [ExitCode.ok, 'passed'];
  enterPhase('done');
  emit({ type: 'run.end', exitCode, outcome }, { durable: true });
  journal.close();
  error = secrets.scrubber.error(error);
  return { exitCode, outcome, journalPath: journal.path, verdict, leftovers, error, aborted: abortInfo };
}

/** The preflight gate over the preflight window: a breach aborts the run before any injection. */
function gateSteadyState(
  experiment: Experiment,
  collector: MetricsCollector,
  [fromMs, toMs]: [number, number],
  abortRun: (info: AbortReason) => void,
  when: string,
): void {
  const steady = scoring.checkSteadyState(experiment, collector.slices, fromMs, toMs);
  if (steady.ok) return;
  abortRun({
    reason: 'preflight',
    detail: `steady state does not hold${when}: ${steady.failures.join('; ')}`,
  });
  throw new SquallError(
    'SQUALL_PREFLIGHT_FAILED',
    `preflight gate: steady state does not hold${when}, nothing was injected:\n  ${steady.failures.join('\n  ')}`,
  );
}

/** The scoring windows a slice of `phase` belongs to (as the scorer windows it). */
function liveWindowsOf(phase: PhaseName): (WindowName | 'preflight')[] {
  if (phase === 'baseline' || phase === 'fault' || phase === 'recovery') return ['run', phase];
  return phase === 'preflight' ? ['preflight'] : [];
}

/** The windows opened by `nowMs`, each cut at now. */
function liveContext(
  nowMs: number,
  preflightEndMs: number,
  t0: number,
  bounds: PhaseBounds,
  faults: readonly FaultTiming[],
): LiveContext {
  const upTo = (b: [number, number] | undefined): [number, number] | undefined =>
    b && b[0] < nowMs ? [b[0], Math.min(b[1], nowMs)] : undefined;
  const windows: LiveContext['windows'] = {};
  for (const w of ['baseline', 'fault', 'recovery'] as const) {
    const span = upTo(bounds[w]);
    if (span) windows[w] = span;
  }
  if (windows.baseline) {
    const last = windows.recovery ?? windows.fault ?? windows.baseline;
    windows.run = [windows.baseline[0], last[1]];
  }
  return { nowMs, preflight: [t0, Math.min(preflightEndMs, nowMs)], windows, faults };
}

/** How long after a window's end its message counts may still settle: the sink's grace and a margin. */
function settleAllowanceMs(experiment: Experiment): number {
  const sink = experiment.fleet?.sink;
  return (sink ? sink.grace : 0) + 2000;
}
