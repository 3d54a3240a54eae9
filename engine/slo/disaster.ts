/**
 * The disaster-recovery SLIs, RTO and RPO, as a DR plan states them: how long until service is
 * back, and how much data (in time) is gone.
 *
 * - `rto` (ms): from a fault's **start** until the recovery criterion holds, stably — the same
 *   criterion and rules as `time_to_recover` (recovery.ts: `params.of`, `objective`, `source`,
 *   `stable`; default the fleet's `connected_ratio >= 99%` for 5 s, resolution one slice), but
 *   the clock always starts when the fault strikes, also for faults with a duration: a DR
 *   plan promises a time from the disaster, not from its repair. Only a recovery after the
 *   criterion first fails counts (a fault noticed late would otherwise read as recovered at
 *   once); a fault that never degrades it has an RTO of 0. Several faults: each is
 *   measured from its own start and the slowest wins. Never recovered: breached, the value is
 *   the time to the run's end.
 * - `rpo` (ms): the longest span of lost data for any device, in the devices' send time, among
 *   the losses that began at or after the first fault's start (`data_loss_window` semantics:
 *   the send time of the last message before a gap to that of the first after it; the window
 *   is dated by where the loss began, docs/measurement.md). Time rather than messages because
 *   an RPO is a time in every DR plan, and because it does not scale with the fleet or its
 *   rate; the count is `messages_lost`. 0 when no data was lost; nodata without faults or
 *   without a sink.
 */
import type { MetricSlice } from '../core/metrics.js';
import { type FaultTiming, type RecoveryCriterion, type TimeToRecover, timeToRecover } from './recovery.js';
import { maxGauge } from './windows.js';

const LOSS_WINDOW_KEY = 'fleet.data_loss_window_ms';

/** RTO: recovery measured from every fault's start; the slowest wins (see the module doc). */
export function recoveryTime(
  criterion: RecoveryCriterion,
  slices: readonly MetricSlice[],
  faults: readonly FaultTiming[],
  runEndMs: number,
): TimeToRecover {
  return timeToRecover(
    criterion,
    slices,
    faults.map((f) => ({ ...f, instantaneous: true })),
    runEndMs,
    true,
  );
}

export interface RecoveryPoint {
  /** The RPO in ms; null when nodata. */
  valueMs: number | null;
  status: 'measured' | 'nodata';
}

/** RPO: the longest loss window that began from the first fault's start (see the module doc). */
export function recoveryPoint(slices: readonly MetricSlice[], faults: readonly FaultTiming[]): RecoveryPoint {
  if (faults.length === 0) return { valueMs: null, status: 'nodata' };
  const fromMs = Math.min(...faults.map((f) => f.startMs));
  // From the slice holding the fault's start: a loss that began as it struck is dated there.
  const after = maxGauge(
    slices.filter((s) => s.startMs + s.durationMs > fromMs),
    LOSS_WINDOW_KEY,
  );
  return after === undefined ? { valueMs: null, status: 'nodata' } : { valueMs: after, status: 'measured' };
}
