/**
 * The run's planned timeline: preflight (with its steady-state gate), baseline, the fault
 * window, recovery. Phase bounds come from the plan, not from when the event loop got round to
 * them, so they fall on slice boundaries (slices are aligned to t0) and windows never split a
 * slice. Each step waits on the run's abort signal: a guard trip, the gate, a failed injection
 * or the operator ends the timeline where it is.
 */
import { SquallError } from '../../core/errors.js';
import { runFault } from '../fault-task.js';
import { abortRun, enterPhase, failRun, type RunState } from '../run-state.js';
import { scoring } from '../scoring.js';
import { sleepUntil } from '../timing.js';
import { startMetrics } from './live-metrics.js';

export async function preflight(state: RunState): Promise<void> {
  const { sliceMs, runAbort } = state;
  // Slices start on the grid (multiples of sliceMs), where sources date their counts.
  const t0 = Math.ceil(Date.now() / sliceMs) * sliceMs;
  state.t0 = t0;
  await sleepUntil(t0, runAbort.signal);
  enterPhase(state, 'preflight', t0);
  startMetrics(state, t0);
  const preflightEndMs = preflightEnd(state);
  await sleepUntil(preflightEndMs, runAbort.signal);
  state.metrics!.closeThrough(preflightEndMs);
  gateSteadyState(state, '');
}

export async function baseline(state: RunState): Promise<void> {
  const startMs = preflightEnd(state);
  enterPhase(state, 'baseline', startMs);
  const bounds: [number, number] = [startMs, startMs + state.durations.baselineMs];
  state.bounds.baseline = bounds;
  await sleepUntil(bounds[1], state.runAbort.signal);
  state.metrics!.closeThrough(bounds[1]);
  // Message counts of the preflight settle after the sink's grace: the gate is confirmed with
  // what settled since, before the first injection.
  gateSteadyState(
    state,
    ' (confirmed before the first fault, with the message counts settled since the gate)',
  );
}

export async function faultWindow(state: RunState): Promise<void> {
  const startMs = state.bounds.baseline![1];
  enterPhase(state, 'fault', startMs);
  const bounds: [number, number] = [startMs, startMs + state.durations.faultMs];
  state.bounds.fault = bounds;
  for (const fault of state.live.faults) {
    state.faultTasks.push(
      runFault(fault, startMs, {
        env: state.env!,
        active: state.active,
        emit: state.emit,
        signal: state.timeline.signal,
        revertPolicy: state.revertPolicy,
        controls: state.options.controls,
        windowEndMs: bounds[1],
        onWindow: (w) => state.faultWindows.push(w),
        onFailure: (err) => failRun(state, err),
      }),
    );
  }
  await sleepUntil(bounds[1], state.runAbort.signal);
  await Promise.all(state.faultTasks);
  state.runAbort.signal.throwIfAborted();
}

export async function recovery(state: RunState): Promise<void> {
  const startMs = state.bounds.fault![1];
  enterPhase(state, 'recovery', startMs);
  const bounds: [number, number] = [startMs, startMs + state.durations.recoveryMs];
  state.bounds.recovery = bounds;
  await sleepUntil(bounds[1], state.runAbort.signal);
  // The last slice of the run is read now, while the fleet still runs (no teardown dip).
  state.metrics!.closeThrough(bounds[1]);
}

function preflightEnd(state: RunState): number {
  return state.t0! + state.durations.preflightMs;
}

/** The preflight gate over the preflight window: a breach aborts the run before any injection. */
function gateSteadyState(state: RunState, when: string): void {
  const steady = scoring.checkSteadyState(
    state.experiment,
    state.collector!.slices,
    state.t0!,
    preflightEnd(state),
  );
  if (steady.ok) return;
  abortRun(state, {
    reason: 'preflight',
    detail: `steady state does not hold${when}: ${steady.failures.join('; ')}`,
  });
  throw new SquallError(
    'SQUALL_PREFLIGHT_FAILED',
    `preflight gate: steady state does not hold${when}, nothing was injected:\n  ${steady.failures.join('\n  ')}`,
  );
}
