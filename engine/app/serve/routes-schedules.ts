/**
 * `GET /api/schedules`: what the control room shows of `--schedules`: each schedule with its
 * state (its run going, one waiting), the upcoming planned times (blacked-out ones marked), and
 * the recent decisions from the history: every one, and the skipped and missed ones apart, each
 * with its reason (docs/schedules.md). Read-only; viewers see it too.
 */
import type { FastifyInstance } from 'fastify';
import type { Scheduler } from '../../schedule/scheduler.js';
import { intParam } from './routes-runs.js';
import type { ServeContext } from './serve-context.js';

export function registerScheduleRoutes(app: FastifyInstance, ctx: ServeContext, scheduler?: Scheduler): void {
  app.get<{ Querystring: { upcoming?: string; limit?: string } }>('/api/schedules', async (req) => {
    const upcomingCount = intParam(req.query.upcoming, 'upcoming', 20, 1, 500);
    const limit = intParam(req.query.limit, 'limit', 50, 1, 1000);
    const { history } = ctx;
    return {
      schedules: scheduler?.status() ?? [],
      upcoming: (scheduler?.upcoming(upcomingCount) ?? []).map((u) => ({
        schedule: u.schedule,
        at: new Date(u.atMs).toISOString(),
        skipped: u.blackout ?? null,
      })),
      recent: history.scheduleEvents({ limit }),
      skipped: history.scheduleEvents({ decision: 'skipped', limit }),
      missed: history.scheduleEvents({ decision: 'missed', limit }),
    };
  });
}
