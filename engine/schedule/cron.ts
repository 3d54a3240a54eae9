/**
 * Fire times from a cron expression in a timezone, with croner. Croner does the calendar work,
 * DST included: a wall-clock time the spring change skips (02:30 in Berlin on the last Sunday of
 * March) fires at the first moment after the gap, and a time the autumn change repeats fires
 * once, at its first occurrence. 5 fields, or 6 with seconds first; `@daily`-style nicknames too.
 */
import { Cron } from 'croner';

export interface CronClock {
  readonly expression: string;
  readonly timezone: string;
  /** The first fire strictly after `afterMs`; undefined when the expression never fires again. */
  nextAfter(afterMs: number): number | undefined;
}

/** Throws Error with croner's reason when the expression or the timezone is not usable. */
export function compileCron(expression: string, timezone: string): CronClock {
  const cron = new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
  // A bad timezone only surfaces when a date is computed.
  cron.nextRun(new Date(0));
  return {
    expression,
    timezone,
    nextAfter(afterMs) {
      const next = cron.nextRun(new Date(afterMs));
      return next ? next.getTime() : undefined;
    },
  };
}

/** Croner's message without its class prefix: `Invalid value for minute: 61`. */
export function cronProblem(err: unknown): string {
  return String((err as Error)?.message ?? err)
    .replace(/^Cron(Pattern|Date)?:\s*/, '')
    .replace(/\. Original error:.*$/s, '');
}
