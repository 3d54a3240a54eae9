/**
 * The state of one run, in one place. Each step of the run (engine/run/steps) is a function of
 * this object: it reads what the steps before it left (the environment, the slice grid's t0,
 * the phase bounds) and writes what the steps after it need. What several steps do to it —
 * stop the run, enter a phase, record the first error — lives here beside it, so there is one
 * way to do each.
 */
import { setMaxListeners } from 'node:events';
import { dirname, join } from 'node:path';
import type { Leftover, SquallError } from '../core/errors.js';
import type { JournalEvent, JournalEventInput, PhaseName, VerdictEvent } from '../core/journal-events.js';
import type { FaultTiming } from '../slo/recovery.js';
import type { Experiment } from '../spec/schema.js';
import { type Journal, openJournal } from './journal.js';
import type { MetricsCollector } from './metrics-collector.js';
import type { MetricsLoop } from './metrics-loop.js';
import { buildPlan, type Plan } from './plan.js';
import { prepareRunSecrets, type RunSecrets } from './redact.js';
import { type ActiveFaultRecord, DEFAULT_REVERT_POLICY, type RevertPolicy } from './rollback.js';
import type { PhaseBounds } from './scoring.js';
import type { AbortReason, RunEnvironment, RunOptions } from './types.js';

export interface RunState {
  readonly options: RunOptions;
  /** The experiment as written: the scorer, the guards and the live board read it. */
  readonly experiment: Experiment;
  /** The experiment with its secret references resolved (at setup): faults are injected from it. */
  live: Experiment;
  readonly secrets: RunSecrets;
  readonly sliceMs: number;
  readonly durations: Plan['durations'];
  /** Preflight to the end of recovery, for the progress line. */
  readonly totalMs: number;
  readonly revertPolicy: RevertPolicy;
  readonly journal: Journal;
  /** Appends to the journal, every event scrubbed of secrets (redact.ts), and tells `onEvent`. */
  readonly emit: Journal['append'];
  /** A `log` event; a message that sounds like trouble is a warning. */
  readonly log: (message: string) => void;
  /** Faults injected and not yet reverted, by fault id (shared with `Runner.activeFaults`). */
  readonly active: Map<string, ActiveFaultRecord>;
  /** Stops the run: operator abort, guard trip, preflight gate, an error. */
  readonly runAbort: AbortController;
  /** Every scheduled fault waits on it; aborted with the run, and at rollback. */
  readonly timeline: AbortController;
  readonly faultTasks: Promise<void>[];
  /** Each injected fault's window, for recovery scoring; an instantaneous one closes at its revert. */
  readonly faultWindows: FaultTiming[];
  /** Phase spans from the plan; cut at the moment the run stopped if it stopped early. */
  readonly bounds: PhaseBounds;
  readonly phaseLog: { phase: PhaseName; startMs: number }[];
  phase: PhaseName;
  /** Why the run stopped early; the first reason wins. */
  aborted?: AbortReason;
  /** The first error of the run; later ones are consequences. */
  error?: SquallError;
  env?: RunEnvironment;
  /** The first slice's start, on the slice grid; set when preflight begins. */
  t0?: number;
  collector?: MetricsCollector;
  metrics?: MetricsLoop;
  leftovers: Leftover[];
  verdict?: VerdictEvent;
  /** Stops listening to the operator's signal and controls (once the environment is down). */
  detachOperatorAbort(): void;
  /** Stops journaling the operator's actions into this run (set once `run.start` is written). */
  detachControls?: () => void;
}

export function createRunState(options: RunOptions, active: Map<string, ActiveFaultRecord>): RunState {
  const { experiment } = options;
  // Secret references stay unresolved in the journal; every event is scrubbed (redact.ts).
  const secrets = prepareRunSecrets(experiment, {
    env: options.env ?? process.env,
    baseDir: dirname(options.file),
    source: options.source,
  });
  const durations = buildPlan(experiment).durations;
  const journal = openJournal(join(options.outDir, 'journal.jsonl'));
  const emit: Journal['append'] = (event, opts) => {
    const stamped = journal.append(secrets.scrubber.value(event), opts);
    options.onEvent?.(stamped as JournalEvent);
    return stamped;
  };
  const abortFrom = (signal: AbortSignal) => () => {
    const r = signal.reason as Partial<AbortReason> | undefined;
    abortRun(state, {
      reason: r?.reason ?? 'signal',
      detail: r?.detail ?? 'aborted by the operator',
      ...(r?.by !== undefined && { by: r.by }),
    });
  };
  const onOperatorAbort = options.signal ? abortFrom(options.signal) : () => {};
  const controls = options.controls;
  const onControlsAbort = controls ? abortFrom(controls.signal) : () => {};
  const state: RunState = {
    options,
    experiment,
    live: experiment,
    secrets,
    sliceMs: options.sliceMs ?? 1000,
    durations,
    totalMs: durations.preflightMs + durations.baselineMs + durations.faultMs + durations.recoveryMs,
    revertPolicy: options.revertPolicy ?? DEFAULT_REVERT_POLICY,
    journal,
    emit,
    log: (message) =>
      emit({
        type: 'log',
        level: /unexpected|fail|error|could not/i.test(message) ? 'warn' : 'info',
        message,
      }),
    active,
    runAbort: new AbortController(),
    timeline: new AbortController(),
    faultTasks: [],
    faultWindows: [],
    bounds: {},
    phaseLog: [],
    phase: 'setup',
    leftovers: [],
    detachOperatorAbort: () => {
      options.signal?.removeEventListener('abort', onOperatorAbort);
      controls?.signal.removeEventListener('abort', onControlsAbort);
      state.detachControls?.();
    },
  };
  // An abort before the run starts is journaled before `run.start`, as it happened.
  if (options.signal?.aborted) onOperatorAbort();
  options.signal?.addEventListener('abort', onOperatorAbort, { once: true });
  if (controls?.signal.aborted) onControlsAbort();
  controls?.signal.addEventListener('abort', onControlsAbort, { once: true });
  // Every scheduled fault waits on these signals; hundreds of listeners are expected, not a leak.
  setMaxListeners(0, state.timeline.signal, state.runAbort.signal);
  state.runAbort.signal.addEventListener('abort', () => state.timeline.abort(state.runAbort.signal.reason), {
    once: true,
  });
  return state;
}

/** Stops the run for `info` (journaled, durable); only the first reason counts. */
export function abortRun(state: RunState, info: AbortReason): void {
  if (state.aborted) return;
  state.aborted = info;
  state.emit(
    {
      type: 'abort',
      reason: info.reason,
      detail: info.detail,
      ...(info.by !== undefined && { by: info.by }),
    },
    { durable: true },
  );
  state.runAbort.abort(info);
}

/** Records `error` (unless an earlier one is recorded) and stops the run with it. */
export function failRun(state: RunState, error: SquallError): void {
  state.error ??= error;
  abortRun(state, { reason: 'error', detail: error.message });
}

/**
 * Journals the next phase and returns its time. `plannedMs`: where the phase starts on the
 * slice grid (its scored bound), if not now. A scored phase's event is stamped with that bound,
 * the window the scorer uses, so reports rebuild the same windows from the journal
 * (reports/timeline.ts).
 */
export function enterPhase(state: RunState, next: PhaseName, plannedMs?: number): number {
  state.phase = next;
  const event = state.emit({
    type: 'phase',
    phase: next,
    ...(plannedMs !== undefined && { t: plannedMs }),
  } as JournalEventInput);
  state.phaseLog.push({ phase: next, startMs: event.t });
  return event.t;
}

/** The phase the run was in at `tMs` (a slice belongs to the phase it started in). */
export function phaseAt(state: RunState, tMs: number): PhaseName {
  let found: PhaseName = 'setup';
  for (const p of state.phaseLog) if (p.startMs <= tMs) found = p.phase;
  return found;
}

/** The phases whose slices are scored and watched by the guards. */
export function isScoredPhase(phase: PhaseName): phase is 'baseline' | 'fault' | 'recovery' {
  return phase === 'baseline' || phase === 'fault' || phase === 'recovery';
}

/** Where the run's last window ends (the planned end, or where it was cut short); none before baseline. */
export function lastWindowEndMs(bounds: PhaseBounds): number | undefined {
  return (bounds.recovery ?? bounds.fault ?? bounds.baseline)?.[1];
}
