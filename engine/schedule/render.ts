/** A schedule as `squall plan` and `squall schedule next` print it: what, when, and what stops it. */
import { formatDurationMs } from '../core/units.js';
import { describeBlackout } from './blackout.js';
import type { LoadedSchedule } from './load.js';
import { nextFires, type PlannedFire } from './next-fires.js';
import { describeInstant } from './wall-clock.js';

export function renderScheduleHeader(loaded: LoadedSchedule): string {
  const { schedule } = loaded;
  const lines = [
    `schedule ${loaded.name}: runs ${loaded.run.label}${
      Object.keys(loaded.run.vars).length
        ? ` with ${Object.entries(loaded.run.vars)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : ''
    }`,
    `  cron '${schedule.cron}' in ${schedule.timezone}; concurrency ${schedule.concurrency}; startingDeadline ${formatDurationMs(schedule.startingDeadline)}`,
  ];
  for (const b of schedule.blackouts ?? [])
    lines.push(`  blackout ${describeBlackout(b, schedule.timezone)}`);
  const pre = schedule.preconditions;
  for (const b of pre?.budgets ?? [])
    lines.push(
      `  skip when SLO ${b.slo}${b.experiment ? ` of ${b.experiment}` : ''} has consumed over ${formatDurationlessPercent(b.maxConsumed)} of its budget in ${b.days} days`,
    );
  for (const q of pre?.prometheus?.unwellWhen ?? [])
    lines.push(
      `  skip when ${pre!.prometheus!.url} returns anything for '${q.query}'${q.reason ? ` (${q.reason})` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The next fires, one a line; blacked-out times in between are shown as skipped. */
export function renderNextFires(loaded: LoadedSchedule, fires: readonly PlannedFire[]): string {
  const tz = loaded.schedule.timezone;
  if (fires.length === 0) return '  (no planned time ahead)\n';
  return `${fires.map((f) => `  ${describeInstant(f.atMs, tz)}${f.blackout ? `  skipped: ${f.blackout}` : ''}`).join('\n')}\n`;
}

export function renderSchedulePlan(loaded: LoadedSchedule, nowMs: number, count = 5): string {
  const fires = nextFires(loaded, nowMs, count, { includeBlackouts: true });
  return `${renderScheduleHeader(loaded)}next ${count} runs:\n${renderNextFires(loaded, fires)}`;
}

function formatDurationlessPercent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}
