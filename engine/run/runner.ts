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
import { join } from 'node:path';
import type { ActiveFault, FaultTarget } from '../../agents/faults/driver.js';
import type { SessionLoss } from '../controller/agent-connection.js';
import { ExitCode, type Leftover, SquallError } from '../errors.js';
import { encodeHistogram, type MetricsSource } from '../slo/metrics.js';
import type { Experiment } from '../spec/schema.js';
import { SQUALL_VERSION } from '../version.js';
import { handOverLostAgent } from './agent-loss.js';
import { closeWindow, runFault } from './fault-task.js';
import { openJournal } from './journal.js';
import type { AbortEvent, JournalEvent, PhaseName, RunEndEvent, VerdictEvent } from './journal-events.js';
import { MetricsCollector, sliceToEvent } from './metrics-collector.js';
import { buildPlan } from './plan.js';
import {
  type ActiveFaultRecord,
  DEFAULT_REVERT_POLICY,
  type RevertPolicy,
  revertWithRetry,
} from './rollback.js';
import { type PhaseBounds, scoring } from './scoring.js';
import { sleepUntil } from './timing.js';

/** What applies a fault: the in-process local agent now, a gRPC agent client later. */
export interface FaultInjector {
  inject(request: {
    faultId: string;
    kind: string;
    target: FaultTarget;
    params: unknown;
    durationMs: number;
  }): Promise<ActiveFault>;
}

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
    log: (message: string) => void /** The experiment file, for relative paths. */;
    file?: string;
  },
) => Promise<RunEnvironment>;

/** A live view for the CLI's progress line. */
export interface RunProgress {
  phase: PhaseName;
  elapsedMs: number;
  totalMs: number;
  activeFaults: string[];
  slis: { name: string; text: string; ok: boolean | undefined }[];
}

/** Why a run stopped early; the reason given to the run's AbortController. */
export interface AbortReason {
  reason: AbortEvent['reason'];
  detail: string;
}

export interface RunOptions {
  experiment: Experiment;
  file: string;
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
  const sliceMs = options.sliceMs ?? 1000;
  const durations = buildPlan(experiment).durations;
  const totalMs = durations.preflightMs + durations.baselineMs + durations.faultMs + durations.recoveryMs;
  const journal = openJournal(join(options.outDir, 'journal.jsonl'));
  const emit: typeof journal.append = (event, opts) => {
    const stamped = journal.append(event, opts);
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
  const enterPhase = (next: PhaseName) => {
    phase = next;
    const event = emit({ type: 'phase', phase: next });
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
    spec: experiment,
    squallVersion: SQUALL_VERSION,
    node: process.version,
    host: hostname(),
    plan: durations,
  });

  const bounds: PhaseBounds = {};
  const faultWindows: { name: string; startMs: number; endMs: number; instantaneous: boolean }[] = [];
  let env: RunEnvironment | undefined;
  let collector: MetricsCollector | undefined;
  let stopMetrics: ((runEndMs?: number) => Promise<void>) | undefined;
  let error: SquallError | undefined;
  const timeline = new AbortController();
  // Every scheduled fault waits on this signal; hundreds of listeners are expected, not a leak.
  setMaxListeners(0, timeline.signal, runAbort.signal);
  const faultTasks: Promise<void>[] = [];
  runAbort.signal.addEventListener('abort', () => timeline.abort(runAbort.signal.reason), { once: true });

  try {
    enterPhase('setup');
    env = await options.environment(experiment, { runDir: options.outDir, log, file: options.file });
    env.watchAgents?.((loss) => {
      if (phase === 'rollback' || phase === 'score' || phase === 'done') return;
      const lost = handOverLostAgent(loss, active, emit);
      error ??= lost;
      abortRun({ reason: 'error', detail: lost.message });
    });
    runAbort.signal.throwIfAborted();
    for (const source of env.sources) await source.start?.();
    const t0 = enterPhase('preflight');
    collector = new MetricsCollector(env.sources, t0);
    stopMetrics = startMetricsLoop({
      collector,
      startMs: t0,
      sliceMs,
      onSlice: (slice) => {
        emit(sliceToEvent(slice, phaseAt(slice.startMs), encodeHistogram));
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
        options.onProgress?.({
          phase,
          elapsedMs: slice.startMs + slice.durationMs - t0,
          totalMs,
          activeFaults: [...active.values()].map((r) => r.name),
          slis: scoring.liveValues(experiment, collector!.slices),
        });
      },
    });

    await sleepUntil(t0 + durations.preflightMs, runAbort.signal);
    const steady = scoring.checkSteadyState(experiment, collector.slices, t0, Date.now());
    if (!steady.ok) {
      abortRun({ reason: 'preflight', detail: `steady state does not hold: ${steady.failures.join('; ')}` });
      throw new SquallError(
        'SQUALL_PREFLIGHT_FAILED',
        `preflight gate: steady state does not hold, nothing was injected:\n  ${steady.failures.join('\n  ')}`,
      );
    }

    // Phase bounds come from the plan, not from when the event loop got round to them, so they
    // fall on slice boundaries (slices are aligned to t0) and windows never split a slice.
    const baselineStartMs = t0 + durations.preflightMs;
    enterPhase('baseline');
    bounds.baseline = [baselineStartMs, baselineStartMs + durations.baselineMs];
    await sleepUntil(bounds.baseline[1], runAbort.signal);

    const faultStartMs = bounds.baseline[1];
    enterPhase('fault');
    bounds.fault = [faultStartMs, faultStartMs + durations.faultMs];
    for (const fault of experiment.faults) {
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
    enterPhase('recovery');
    bounds.recovery = [recoveryStartMs, recoveryStartMs + durations.recoveryMs];
    await sleepUntil(bounds.recovery[1], runAbort.signal);
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
  enterPhase('rollback');
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
  // Sources stop before the last slice closes: the fleet settles its accounting on stop (late
  // messages land, open sequence gaps become losses), and those counts belong to the run.
  if (env) {
    for (const source of env.sources) {
      await Promise.resolve(source.stop?.()).catch((err: unknown) =>
        log(`stopping ${source.name}: ${(err as Error).message}`),
      );
    }
  }
  const runEndMs = (bounds.recovery ?? bounds.fault ?? bounds.baseline)?.[1];
  await stopMetrics?.(runEndMs);
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
  else if (error) [exitCode, outcome] = [error.exitCode, 'error'];
  else if (verdict && verdict.hypothesis !== 'holds')
    [exitCode, outcome] = [ExitCode.sloBreached, 'slo_breached'];
  else [exitCode, outcome] = [ExitCode.ok, 'passed'];
  enterPhase('done');
  emit({ type: 'run.end', exitCode, outcome }, { durable: true });
  journal.close();
  return { exitCode, outcome, journalPath: journal.path, verdict, leftovers, error, aborted: abortInfo };
}

function startMetricsLoop(args: {
  collector: MetricsCollector;
  startMs: number;
  sliceMs: number;
  onSlice: (slice: ReturnType<MetricsCollector['close']>) => void;
}): () => Promise<void> {
  const stop = new AbortController();
  const loop = (async () => {
    let nextMs = args.startMs + args.sliceMs;
    for (;;) {
      try {
        await sleepUntil(nextMs, stop.signal);
      } catch {
        return;
      }
      args.onSlice(args.collector.close(nextMs));
      nextMs += args.sliceMs;
    }
  })();
  /**
   * Stops the loop and closes the settlement slice. When it starts after the run's end, it is
   * stamped onto the run's last slice (with zero duration, so rates and device-seconds are not
   * diluted): its counts, such as losses declared when the sink settles, belong to the run.
   */
  return async (runEndMs?: number) => {
    stop.abort();
    await loop;
    const settlement = args.collector.close(Date.now());
    if (runEndMs !== undefined && settlement.startMs >= runEndMs) {
      const lastInRun = args.collector.slices.findLast((s) => s !== settlement && s.startMs < runEndMs);
      if (lastInRun) {
        settlement.startMs = lastInRun.startMs;
        settlement.durationMs = 0;
        // Gauges describe the moment after the sources stopped (0 connected), not the run.
        settlement.gauges = {};
      }
    }
    args.onSlice(settlement);
  };
}
