/**
 * What to do with the planned times that passed since the scheduler last looked: while it was
 * not running (a restart, a host asleep) or just now (a timer firing on time). Kubernetes
 * CronJob semantics: only the newest planned time may still start, and only when it is no more
 * than `startingDeadline` late; every other one is recorded as missed, and one a blackout covers
 * as skipped. A run is never started twice to make up for lost time.
 */
import { formatDurationMs } from '../core/units.js';
import type { LoadedSchedule } from './load.js';
import { firesBetween } from './next-fires.js';
import { describeInstant } from './wall-clock.js';

/** How far back a restart looks for missed times; older ones are not worth a row each. */
const MISSED_LOOKBACK_MS = 7 * 86_400_000;
/** Missed and skipped times recorded per catch-up at most (the newest); the rest are counted in the log. */
const MAX_CATCH_UP_RECORDS = 100;

export interface CatchUpDecision {
  plannedAtMs: number;
  decision: 'missed' | 'skipped';
  reason: string;
}

export interface CatchUp {
  decisions: CatchUpDecision[];
  /** The planned time to go on with (preconditions, concurrency, start); undefined when none. */
  due?: number;
  /** Older planned times in the period not recorded (over MAX_CATCH_UP_RECORDS). */
  omitted: number;
  /** True when the period began before MISSED_LOOKBACK_MS ago and was cut there. */
  cutAtLookback: boolean;
}

/** Planned times in (sinceMs, nowMs]; `sinceMs` is the last planned time already decided. */
export function catchUp(loaded: LoadedSchedule, sinceMs: number, nowMs: number): CatchUp {
  const from = Math.max(sinceMs, nowMs - MISSED_LOOKBACK_MS);
  const { fires, omitted } = firesBetween(loaded, from, nowMs, MAX_CATCH_UP_RECORDS);
  const deadlineMs = loaded.schedule.startingDeadline;
  const decisions: CatchUpDecision[] = [];
  const newest = fires.findLast((f) => !f.blackout);
  let due: number | undefined;
  for (const fire of fires) {
    if (fire.blackout) {
      decisions.push({ plannedAtMs: fire.atMs, decision: 'skipped', reason: fire.blackout });
      continue;
    }
    const lateMs = nowMs - fire.atMs;
    if (fire === newest && lateMs <= deadlineMs) {
      due = fire.atMs;
      continue;
    }
    const when = describeInstant(fire.atMs, loaded.schedule.timezone);
    decisions.push({
      plannedAtMs: fire.atMs,
      decision: 'missed',
      reason:
        fire === newest
          ? `not started at ${when}: the scheduler was not running; ${formatDurationMs(lateMs)} late is past the startingDeadline ${formatDurationMs(deadlineMs)}`
          : `not started at ${when}: the scheduler was not running, and a later planned time came first`,
    });
  }
  return { decisions, due, omitted, cutAtLookback: sinceMs < from };
}
