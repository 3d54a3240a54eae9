/**
 * The planned times of a schedule, each with what a blackout makes of it: what `squall schedule
 * next` prints, what the control room shows as upcoming, and what catch-up walks through.
 */
import { blackoutAt } from './blackout.js';
import type { LoadedSchedule } from './load.js';

export interface PlannedFire {
  atMs: number;
  /** Set when a blackout covers it: the reason its skip will be recorded with. */
  blackout?: string;
}

/** Cron times scanned at most per call: a per-second cron in a month-long freeze ends the scan. */
const MAX_SCANNED_FIRES = 10_000;

/**
 * The next `count` planned times after `afterMs` that a blackout does not cover, with the
 * blacked-out ones between them (`includeBlackouts`), in order.
 */
export function nextFires(
  loaded: LoadedSchedule,
  afterMs: number,
  count: number,
  options: { includeBlackouts?: boolean } = {},
): PlannedFire[] {
  const out: PlannedFire[] = [];
  let firing = 0;
  let at = afterMs;
  for (let scanned = 0; firing < count && scanned < MAX_SCANNED_FIRES; scanned++) {
    const next = loaded.cron.nextAfter(at);
    if (next === undefined) break;
    at = next;
    const blackout = blackoutAt(next, loaded.schedule.blackouts, loaded.schedule.timezone);
    if (blackout) {
      if (options.includeBlackouts) out.push({ atMs: next, blackout: blackout.reason });
    } else {
      out.push({ atMs: next });
      firing++;
    }
  }
  return out;
}

/** Every planned time in (fromMs, toMs], at most `max` of the newest, and how many older ones were left out. */
export function firesBetween(
  loaded: LoadedSchedule,
  fromMs: number,
  toMs: number,
  max: number,
): { fires: PlannedFire[]; omitted: number } {
  const fires: PlannedFire[] = [];
  let omitted = 0;
  let at = fromMs;
  for (;;) {
    const next = loaded.cron.nextAfter(at);
    if (next === undefined || next > toMs) break;
    at = next;
    const blackout = blackoutAt(next, loaded.schedule.blackouts, loaded.schedule.timezone);
    fires.push(blackout ? { atMs: next, blackout: blackout.reason } : { atMs: next });
    if (fires.length > max) {
      fires.shift();
      omitted++;
    }
  }
  return { fires, omitted };
}
