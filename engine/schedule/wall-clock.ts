/**
 * An instant as a wall clock in a timezone: the date, time and weekday a person in that zone
 * reads. Blackouts are written in wall-clock terms ("no chaos after 16:00 on Fridays, Berlin
 * time"), so they are compared as wall-clock text, which needs no offset arithmetic and stays
 * right across DST changes.
 */

export interface WallClock {
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM`, 00:00–23:59. */
  time: string;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** `YYYY-MM-DDTHH:MM`, sortable as text. */
  stamp: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** True when `Intl` knows the zone (the IANA database Node ships). */
export function isKnownTimezone(timezone: string): boolean {
  try {
    formatFor(timezone);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(instantMs: number, timezone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatFor(timezone).formatToParts(new Date(instantMs))) parts[p.type] = p.value;
  // hourCycle h23 still prints midnight as 24 in some ICU versions.
  const hour = parts.hour === '24' ? '00' : parts.hour!;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const time = `${hour}:${parts.minute}`;
  return { date, time, weekday: WEEKDAY_INDEX[parts.weekday!]!, stamp: `${date}T${time}` };
}

function formatFor(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formats.set(timezone, format);
  }
  return format;
}

/** `2025-03-30 03:00 Europe/Berlin (01:00Z)`: how logs and `squall schedule next` show a fire time. */
export function describeInstant(instantMs: number, timezone: string): string {
  const wall = wallClock(instantMs, timezone);
  const utc = new Date(instantMs).toISOString();
  return timezone === 'UTC'
    ? `${utc.slice(0, 10)} ${utc.slice(11, 19)} UTC`
    : `${wall.date} ${wall.time} ${timezone} (${utc.slice(0, 16).replace('T', ' ')}Z)`;
}
