/**
 * The schedules' decisions (migration 3): one row per planned time of each schedule, saying what
 * the scheduler did with it. The control room lists the recent ones (skipped and missed with
 * their reasons, fired with the run's outcome); the scheduler reads the last planned time of a
 * schedule when it starts, to find what it missed while it was not running.
 */
import type Database from 'better-sqlite3';

export type ScheduleDecision = 'fired' | 'skipped' | 'missed';

/** A decision as the scheduler records it (epoch ms). */
export interface ScheduleEventRow {
  schedule: string;
  plannedAtMs: number;
  decidedAtMs: number;
  decision: ScheduleDecision;
  reason: string | null;
  runId: string | null;
}

/** A decision as the history answers it: ISO times, and the run's outcome once it has one. */
export interface ScheduleEvent {
  schedule: string;
  plannedAt: string;
  decidedAt: string;
  decision: ScheduleDecision;
  reason: string | null;
  runId: string | null;
  /** The fired run's state and outcome from its row; null until it starts (or without one). */
  runState: string | null;
  outcome: string | null;
}

export interface ScheduleEventFilter {
  schedule?: string;
  decision?: ScheduleDecision;
  /** Newest first, at most this many; default 100, at most 1000. */
  limit?: number;
}

const MAX_SCHEDULE_EVENTS = 1000;

export function recordScheduleEvent(db: Database.Database, row: ScheduleEventRow): void {
  db.prepare(
    `INSERT INTO schedule_events (schedule, planned_at, decided_at, decision, reason, run_id)
     VALUES (@schedule, @plannedAtMs, @decidedAtMs, @decision, @reason, @runId)`,
  ).run(row);
}

/** The newest planned time anything was decided for; undefined for a schedule never seen. */
export function lastPlannedAt(db: Database.Database, schedule: string): number | undefined {
  const row = db
    .prepare('SELECT MAX(planned_at) AS at FROM schedule_events WHERE schedule = ?')
    .get(schedule) as { at: number | null };
  return row.at ?? undefined;
}

export function listScheduleEvents(db: Database.Database, filter: ScheduleEventFilter = {}): ScheduleEvent[] {
  const where: string[] = [];
  const params: Record<string, unknown> = {
    limit: Math.max(1, Math.min(filter.limit ?? 100, MAX_SCHEDULE_EVENTS)),
  };
  if (filter.schedule !== undefined) {
    where.push('e.schedule = @schedule');
    params.schedule = filter.schedule;
  }
  if (filter.decision !== undefined) {
    where.push('e.decision = @decision');
    params.decision = filter.decision;
  }
  const rows = db
    .prepare(
      `SELECT e.schedule, e.planned_at, e.decided_at, e.decision, e.reason, e.run_id, r.state, r.outcome
       FROM schedule_events e LEFT JOIN runs r ON r.id = e.run_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.decided_at DESC, e.id DESC LIMIT @limit`,
    )
    .all(params) as {
    schedule: string;
    planned_at: number;
    decided_at: number;
    decision: ScheduleDecision;
    reason: string | null;
    run_id: string | null;
    state: string | null;
    outcome: string | null;
  }[];
  return rows.map((r) => ({
    schedule: r.schedule,
    plannedAt: new Date(r.planned_at).toISOString(),
    decidedAt: new Date(r.decided_at).toISOString(),
    decision: r.decision,
    reason: r.reason,
    runId: r.run_id,
    runState: r.state,
    outcome: r.outcome,
  }));
}
