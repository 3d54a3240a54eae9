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
 *   the gaps the sinks declared lost in slices starting at or after the first fault's start
 *   (`data_loss_window` semantics: the send time of the last message before a gap to that of
 *   the first after it). Time rather than messages because an RPO is a time in every DR plan,
 *   and because it does not scale with the fleet or its rate; the count is `messages_lost`.
 *   0 when no data was lost; nodata without faults or without a sink.
 *
 * The sinks report only the running maximum (`fleet.data_loss_window_ms`), so a gap declared
 * before the first fault that is longer than any after it would show here too; that case is
 * flagged in a note. Losses declared only when the run ended (gaps still open at settlement)
 * carry no window (the runner keeps no gauges from the settlement); also flagged.
 */
import type { MetricSlice } from './metrics.js';
import { type FaultTiming, type RecoveryCriterion, type TimeToRecover, timeToRecover } from './recovery.js';
import { maxGauge } from './windows.js';

const LOSS_WINDOW_KEY = 'fleet.data_loss_window_ms';
const LOST_KEY = 'fleet.lost';

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
  /** The longest loss window already declared before the first fault. */
  beforeFaultMs: number;
  /** Messages declared lost only at settlement, whose window is unknown. */
  lostAtSettlement: number;
}

/** RPO: the longest loss window declared from the first fault's start (see the module doc). */
export function recoveryPoint(slices: readonly MetricSlice[], faults: readonly FaultTiming[]): RecoveryPoint {
  // The settlement slice is stamped with zero duration onto the run's last slice (runner.ts).
  const lostAtSettlement = slices
    .filter((s) => s.durationMs === 0)
    .reduce((n, s) => n + (s.counters[LOST_KEY] ?? 0), 0);
  if (faults.length === 0) return { valueMs: null, status: 'nodata', beforeFaultMs: 0, lostAtSettlement };
  const fromMs = Math.min(...faults.map((f) => f.startMs));
  const before = maxGauge(
    slices.filter((s) => s.startMs < fromMs),
    LOSS_WINDOW_KEY,
  );
  const after = maxGauge(
    slices.filter((s) => s.startMs >= fromMs),
    LOSS_WINDOW_KEY,
  );
  if (after === undefined) {
    return { valueMs: null, status: 'nodata', beforeFaultMs: before ?? 0, lostAtSettlement };
  }
  return { valueMs: after, status: 'measured', beforeFaultMs: before ?? 0, lostAtSettlement };
}

/** What a reader of an RPO must know that its value cannot say; empty when nothing. */
export function recoveryPointNotes(point: RecoveryPoint): string[] {
  const notes: string[] = [];
  if (point.beforeFaultMs > 0 && point.valueMs !== null && point.valueMs <= point.beforeFaultMs) {
    notes.push(
      `a ${point.beforeFaultMs} ms loss window was declared before the first fault; the sinks keep only the running maximum, so the RPO may be that window rather than the fault's`,
    );
  }
  if (point.lostAtSettlement > 0) {
    notes.push(
      `${point.lostAtSettlement} message(s) were declared lost only when the run ended, so their loss window is not in the RPO; make the recovery phase longer than the sink's grace`,
    );
  }
  return notes;
}
