/**
 * Blackout windows: times no scheduled run may start (a change freeze, Friday evenings). Both
 * kinds are wall-clock text in their timezone (wall-clock.ts) and inclusive at the end: a date
 * `to` covers its whole day, a time `to` its whole minute, so `{ from: '16:00', to: '23:59' }`
 * reads as "from four until midnight". A weekly window whose `to` is before its `from` runs
 * past midnight into the next day; `days` are the days it starts on.
 */
import { type Blackout, WEEKDAYS, type Weekday } from './schema.js';
import { wallClock } from './wall-clock.js';

/** The first blackout covering `instantMs`, with how a skip record names it; undefined when none. */
export function blackoutAt(
  instantMs: number,
  blackouts: readonly Blackout[] | undefined,
  scheduleTimezone: string,
): { blackout: Blackout; reason: string } | undefined {
  for (const blackout of blackouts ?? []) {
    const timezone = blackout.timezone ?? scheduleTimezone;
    const covered = blackout.days
      ? inWeekly(instantMs, blackout.days, blackout, timezone)
      : inRange(instantMs, blackout, timezone);
    if (covered) return { blackout, reason: `blackout ${describeBlackout(blackout, scheduleTimezone)}` };
  }
  return undefined;
}

/** `'year-end freeze' (2025-12-20 – 2026-01-05 Europe/Berlin)`. */
export function describeBlackout(blackout: Blackout, scheduleTimezone: string): string {
  const timezone = blackout.timezone ?? scheduleTimezone;
  const when = blackout.days
    ? `${blackout.days.join(',')} ${blackout.from}–${blackout.to}`
    : `${blackout.from.replace(' ', 'T')} – ${blackout.to.replace(' ', 'T')}`;
  return `${blackout.name ? `'${blackout.name}' ` : ''}(${when} ${timezone})`;
}

/** Range bounds as sortable wall-clock stamps, `to` inclusive of its day or minute. */
export function rangeStamps(blackout: Blackout): { from: string; to: string } {
  const norm = (text: string) => text.replace(' ', 'T');
  const from = norm(blackout.from);
  const to = norm(blackout.to);
  return { from: from.length === 10 ? `${from}T00:00` : from, to: to.length === 10 ? `${to}T23:59` : to };
}

function inRange(instantMs: number, blackout: Blackout, timezone: string): boolean {
  const { from, to } = rangeStamps(blackout);
  const now = wallClock(instantMs, timezone).stamp;
  return from <= now && now <= to;
}

function inWeekly(
  instantMs: number,
  days: readonly Weekday[],
  blackout: Blackout,
  timezone: string,
): boolean {
  const { weekday, time } = wallClock(instantMs, timezone);
  const startsOn = (day: number) => days.includes(WEEKDAYS[(day + 7) % 7]!);
  if (blackout.to >= blackout.from) return startsOn(weekday) && blackout.from <= time && time <= blackout.to;
  // Past midnight: the evening part on a listed day, or the morning part after one.
  return (startsOn(weekday) && time >= blackout.from) || (startsOn(weekday - 1) && time <= blackout.to);
}
