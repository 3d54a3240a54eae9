/**
 * The scheduler: one timer per schedule, armed for its next planned time; at that time it
 * decides and records what happens (history's schedule_events): skipped in a blackout, skipped
 * when the schedule's last run is still going (`concurrency: forbid`) or queued behind it
 * (`queue`, at most one waiting), skipped when a precondition says no, fired otherwise. On start
 * it catches up with the planned times that passed while it was not running (catch-up.ts).
 *
 * The clock and the timers are injected (tests run it under vi.useFakeTimers); starting a run is
 * the caller's (`squall schedule run` runs it in the foreground, `squall serve` queues it).
 * Nothing here throws into a timer: a decision that cannot be recorded is logged.
 */
import { isSquallError } from '../core/errors.js';
import type { ScheduleEventRow } from '../history/schedule-events.js';
import { blackoutAt } from './blackout.js';
import { catchUp } from './catch-up.js';
import type { LoadedSchedule } from './load.js';
import { nextFires, type PlannedFire } from './next-fires.js';
import { type BudgetSource, checkPreconditions } from './preconditions.js';
import { describeInstant } from './wall-clock.js';

export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A run the caller started: its id when known up front, and when it is over. */
export interface StartedRun {
  runId: string | null;
  done: Promise<unknown>;
}

export type StartRun = (loaded: LoadedSchedule, plannedAtMs: number) => Promise<StartedRun>;

/** What the scheduler keeps in and reads from the history (engine/history/history.ts's RunHistory). */
export interface SchedulerHistory extends BudgetSource {
  recordScheduleEvent(row: ScheduleEventRow): void;
  lastPlannedAt(schedule: string): number | undefined;
}

export interface SchedulerOptions {
  schedules: readonly LoadedSchedule[];
  startRun: StartRun;
  history?: SchedulerHistory;
  now?: () => number;
  timers?: SchedulerTimers;
  log?: (text: string) => void;
  /** Every decision as it is made (after it is recorded). */
  onDecision?: (row: ScheduleEventRow) => void;
}

export interface UpcomingFire extends PlannedFire {
  schedule: string;
}

export interface ScheduleStatus {
  name: string;
  file: string;
  cron: string;
  timezone: string;
  concurrency: 'forbid' | 'queue';
  /** The run of this schedule still going, if any. */
  activeRunId: string | null;
  running: boolean;
  /** The planned time waiting behind it (`queue`). */
  queuedFor: string | null;
}

export interface Scheduler {
  /** Catches up, then arms every schedule's timer. */
  start(): Promise<void>;
  /** Disarms the timers; runs already started go on (their caller owns them). */
  stop(): void;
  /** The next planned times of every schedule, in order (blacked-out ones marked). */
  upcoming(count: number): UpcomingFire[];
  status(): ScheduleStatus[];
  /** Resolves when no decision is being made and no run of a schedule is going (tests). */
  idle(): Promise<void>;
}

/** Longest single timer: setTimeout cannot wait past ~24.8 days, and a clock that jumped is re-read. */
export const MAX_TIMER_MS = 3_600_000;

interface Slot {
  loaded: LoadedSchedule;
  /** The newest planned time already decided (or the start time, for a new schedule). */
  cursor: number;
  next?: number;
  timer?: unknown;
  /** A decision or a run in progress. */
  busy?: Promise<void>;
  active?: { runId: string | null; plannedAtMs: number };
  queued?: number;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const now = options.now ?? (() => Date.now());
  const timers: SchedulerTimers = options.timers ?? {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  const log = options.log ?? (() => {});
  const slots = options.schedules.map((loaded): Slot => ({ loaded, cursor: now() }));
  const pending = new Set<Promise<void>>();
  let stopped = false;

  const record = (
    slot: Slot,
    plannedAtMs: number,
    decision: ScheduleEventRow['decision'],
    reason: string | null,
    runId: string | null = null,
  ) => {
    const row: ScheduleEventRow = {
      schedule: slot.loaded.name,
      plannedAtMs,
      decidedAtMs: now(),
      decision,
      reason,
      runId,
    };
    try {
      options.history?.recordScheduleEvent(row);
    } catch (err) {
      log(`schedule ${row.schedule}: decision not recorded: ${(err as Error).message}`);
    }
    const when = describeInstant(plannedAtMs, slot.loaded.schedule.timezone);
    log(
      `schedule ${row.schedule} ${when}: ${decision}${runId ? ` run ${runId}` : ''}${reason ? `: ${reason}` : ''}`,
    );
    options.onDecision?.(row);
  };

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  /** Concurrency, then preconditions, then start; `fromQueue`: it waited and checks the blackout again. */
  const decide = async (slot: Slot, plannedAtMs: number, fromQueue = false): Promise<void> => {
    const { schedule } = slot.loaded;
    if (slot.active || slot.busy) {
      if (schedule.concurrency === 'forbid') {
        const what = slot.active
          ? `the run of ${describeInstant(slot.active.plannedAtMs, schedule.timezone)}${slot.active.runId ? ` (${slot.active.runId})` : ''}`
          : 'the previous decision';
        return record(slot, plannedAtMs, 'skipped', `concurrency: forbid, and ${what} is still going`);
      }
      if (slot.queued !== undefined)
        return record(
          slot,
          plannedAtMs,
          'skipped',
          `concurrency: queue, and the run of ${describeInstant(slot.queued, schedule.timezone)} is already waiting (one waits at most)`,
        );
      slot.queued = plannedAtMs;
      log(
        `schedule ${slot.loaded.name}: ${describeInstant(plannedAtMs, schedule.timezone)} queued behind the run still going`,
      );
      return;
    }
    let release!: () => void;
    slot.busy = new Promise<void>((r) => {
      release = r;
    });
    try {
      if (fromQueue) {
        const blackout = blackoutAt(now(), schedule.blackouts, schedule.timezone);
        if (blackout)
          return record(slot, plannedAtMs, 'skipped', `waited in the queue into ${blackout.reason}`);
      }
      const verdict = await checkPreconditions(slot.loaded, options.history, now()).catch((err: unknown) => ({
        ok: false as const,
        reason: `a precondition failed: ${(err as Error).message}`,
      }));
      if (!verdict.ok) return record(slot, plannedAtMs, 'skipped', verdict.reason);
      let started: StartedRun;
      try {
        started = await options.startRun(slot.loaded, plannedAtMs);
      } catch (err) {
        const code = isSquallError(err) ? ` [${err.code}]` : '';
        return record(slot, plannedAtMs, 'skipped', `could not start: ${(err as Error).message}${code}`);
      }
      slot.active = { runId: started.runId, plannedAtMs };
      record(slot, plannedAtMs, 'fired', null, started.runId);
      track(
        started.done
          .catch((err: unknown) =>
            log(`schedule ${slot.loaded.name}: run ${started.runId ?? ''} failed: ${(err as Error).message}`),
          )
          .then(() => {
            slot.active = undefined;
            drain(slot);
          }),
      );
    } finally {
      slot.busy = undefined;
      release();
      if (!slot.active) drain(slot);
    }
  };

  /** The planned time waiting behind the last run, once nothing of this schedule is going. */
  const drain = (slot: Slot) => {
    const queued = slot.queued;
    if (queued === undefined || slot.active || slot.busy || stopped) return;
    slot.queued = undefined;
    track(decide(slot, queued, true));
  };

  /** The planned times since the cursor: missed and blacked-out ones recorded, the due one decided. */
  const tick = (slot: Slot) => {
    const nowMs = now();
    const result = catchUp(slot.loaded, slot.cursor, nowMs);
    if (result.omitted > 0 || result.cutAtLookback)
      log(
        `schedule ${slot.loaded.name}: ${result.omitted > 0 ? `${result.omitted} more` : 'older'} planned times missed, not recorded one by one`,
      );
    for (const d of result.decisions) record(slot, d.plannedAtMs, d.decision, d.reason);
    slot.cursor = nowMs;
    if (result.due !== undefined) track(decide(slot, result.due));
  };

  const arm = (slot: Slot) => {
    if (stopped) return;
    slot.next ??= slot.loaded.cron.nextAfter(slot.cursor);
    if (slot.next === undefined) return log(`schedule ${slot.loaded.name}: never fires again`);
    const delayMs = Math.max(0, Math.min(slot.next - now(), MAX_TIMER_MS));
    slot.timer = timers.setTimeout(() => {
      slot.timer = undefined;
      if (stopped) return;
      // Woken by the cap, or a moment early: wait on.
      if (slot.next !== undefined && now() >= slot.next) {
        slot.next = undefined;
        tick(slot);
      }
      arm(slot);
    }, delayMs);
  };

  return {
    async start() {
      for (const slot of slots) {
        let last: number | undefined;
        try {
          last = options.history?.lastPlannedAt(slot.loaded.name);
        } catch (err) {
          log(
            `schedule ${slot.loaded.name}: the history could not say what was missed: ${(err as Error).message}`,
          );
        }
        // A schedule seen before catches up from its last decision; a new one starts from now.
        if (last !== undefined && last < slot.cursor) {
          slot.cursor = last;
          tick(slot);
        }
        arm(slot);
      }
    },
    stop() {
      stopped = true;
      for (const slot of slots) if (slot.timer !== undefined) timers.clearTimeout(slot.timer);
    },
    upcoming(count) {
      const all = slots.flatMap((slot) =>
        nextFires(slot.loaded, Math.max(slot.cursor, now()), count, { includeBlackouts: true }).map((f) => ({
          schedule: slot.loaded.name,
          ...f,
        })),
      );
      return all.sort((a, b) => a.atMs - b.atMs).slice(0, count);
    },
    status() {
      return slots.map((slot) => ({
        name: slot.loaded.name,
        file: slot.loaded.label,
        cron: slot.loaded.schedule.cron,
        timezone: slot.loaded.schedule.timezone,
        concurrency: slot.loaded.schedule.concurrency,
        activeRunId: slot.active?.runId ?? null,
        running: slot.active !== undefined,
        queuedFor: slot.queued === undefined ? null : new Date(slot.queued).toISOString(),
      }));
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
