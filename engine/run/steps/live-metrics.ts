/**
 * The metrics clock of a run, from preflight on: every closed slice is journaled with the phase
 * it started in, fed to the live scoreboard, checked against the guards while a scored phase
 * runs (a trip stops the run), and reported to `onProgress`.
 */
import type { PhaseName } from '../../core/journal-events.js';
import { encodeHistogram, type MetricSlice } from '../../core/metrics.js';
import { type LiveContext, LiveScoreboard } from '../../slo/live.js';
import type { FaultTiming } from '../../slo/recovery.js';
import type { WindowName } from '../../slo/windows.js';
import type { Experiment } from '../../spec/schema.js';
import { MetricsCollector, sliceToEvent } from '../metrics-collector.js';
import { MetricsLoop } from '../metrics-loop.js';
import { abortRun, isScoredPhase, phaseAt, type RunState } from '../run-state.js';
import { type PhaseBounds, scoring } from '../scoring.js';

/** Starts collecting at `t0` (on the slice grid): sets `state.collector` and `state.metrics`. */
export function startMetrics(state: RunState, t0: number): void {
  const { experiment, durations, options } = state;
  const collector = new MetricsCollector(state.env!.sources, t0);
  const board = new LiveScoreboard(experiment.slos, { settleMs: settleAllowanceMs(experiment) });
  const onSlice = (slice: MetricSlice) => {
    const slicePhase = phaseAt(state, slice.startMs);
    state.emit(sliceToEvent(slice, slicePhase, encodeHistogram, collector.takeAmendments()));
    board.add(slice, liveWindowsOf(slicePhase));
    if (isScoredPhase(state.phase)) {
      const trip = scoring.evaluateGuards(
        experiment,
        collector.slices,
        slice.startMs + slice.durationMs,
        state.bounds,
      );
      if (trip) {
        state.emit({ type: 'guard.tripped', guard: trip.guard, reason: trip.reason }, { durable: true });
        abortRun(state, { reason: 'guard', detail: `guard '${trip.guard}' tripped: ${trip.reason}` });
      }
    }
    const nowMs = slice.startMs + slice.durationMs;
    options.onProgress?.({
      phase: state.phase,
      // Settling after the planned end is not more run: the clock stops at the total.
      elapsedMs: Math.min(nowMs - t0, state.totalMs),
      totalMs: state.totalMs,
      activeFaults: [...state.active.values()].map((r) => r.name),
      slos: board.evaluate(
        liveContext(nowMs, t0 + durations.preflightMs, t0, state.bounds, state.faultWindows),
      ),
    });
  };
  state.collector = collector;
  state.metrics = new MetricsLoop(collector, { startMs: t0, sliceMs: state.sliceMs, onSlice });
  state.metrics.start();
}

/** The scoring windows a slice of `phase` belongs to (as the scorer windows it). */
function liveWindowsOf(phase: PhaseName): (WindowName | 'preflight')[] {
  if (isScoredPhase(phase)) return ['run', phase];
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
