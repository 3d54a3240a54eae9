/**
 * The read-only routes besides runs: who am I, sign in and out, the library and a file's plan,
 * an experiment's trend and budgets, and the comparison of two runs.
 */
import type { FastifyInstance } from 'fastify';
import { compareSummaries, renderComparison } from '../../../reports/compare.js';
import { loadRun } from '../../../reports/write.js';
import { SquallError } from '../../core/errors.js';
import type { Auth } from './auth.js';
import { badRequest } from './http-errors.js';
import { intParam, objectBody } from './routes-runs.js';
import type { ServeContext } from './serve-context.js';

export function registerReadRoutes(app: FastifyInstance, ctx: ServeContext, auth: Auth): void {
  const { history, library } = ctx;

  app.get('/api/session', async (req) => {
    const id = req.identity!;
    return { user: id.user, role: id.role, csrf: id.csrf ?? null, tokens: !auth.open };
  });

  app.post<{ Body: { token?: unknown } }>('/api/login', async (req, reply) => {
    const { cookie, identity } = auth.login(objectBody(req.body).token);
    return reply
      .header('set-cookie', cookie)
      .send({ user: identity.user, role: identity.role, csrf: identity.csrf });
  });

  app.post('/api/logout', async (req, reply) =>
    reply.header('set-cookie', auth.logout(req)).send({ ok: true }),
  );

  app.get('/api/library', async () => library.list());

  app.get<{ Querystring: { file?: string; vars?: string } }>('/api/library/plan', async (req) => {
    let vars: unknown;
    if (req.query.vars !== undefined && req.query.vars !== '') {
      try {
        vars = JSON.parse(req.query.vars);
      } catch {
        throw badRequest('vars: expected a JSON object such as {"latency":"400ms"} (URL-encoded)');
      }
    }
    return library.plan(req.query.file, vars);
  });

  app.get<{ Params: { name: string }; Querystring: { days?: string; limit?: string } }>(
    '/api/experiments/:name/trend',
    async (req) => {
      const days = req.query.days === undefined ? undefined : intParam(req.query.days, 'days', 30, 1, 3650);
      const limit = intParam(req.query.limit, 'limit', 20, 1, 500);
      const trend = history.trend(req.params.name, { days, limit });
      const windowOf = new Map(trend.budget.slos.map((b) => [b.slo, b.window]));
      return {
        experiment: trend.experiment,
        sloNames: trend.sloNames,
        runs: trend.runs.map((r) => ({
          ...r,
          slos: r.slos.map((s) => ({ ...s, window: windowOf.get(s.name) ?? null })),
        })),
        budgets: trend.budget.slos.map((b) => ({
          ...b,
          consumed: b.budgetConsumed,
          runsMet: b.met,
        })),
        budgetPeriod: { days: trend.budget.days, since: trend.budget.since },
      };
    },
  );

  app.get<{ Querystring: { a?: string; b?: string; force?: string } }>('/api/compare', async (req) => {
    const { a, b } = req.query;
    if (!a || !b)
      throw badRequest('expected ?a=<run id>&b=<run id>: a is the run, b the one it is compared with');
    const summaryOf = (id: string) => {
      const run = history.getRun(id);
      try {
        return loadRun(run.journalPath).summary;
      } catch {
        throw new SquallError(
          'SQUALL_SERVE_NOT_FOUND',
          `run ${run.runId}'s journal (${run.journalPath}) cannot be read`,
        );
      }
    };
    const after = summaryOf(a);
    const before = summaryOf(b);
    if (after.experiment !== before.experiment && req.query.force !== '1')
      throw badRequest(
        `run ${a} is '${after.experiment}' and ${b} is '${before.experiment}': their SLOs need not be the same promises (add force=1 to compare anyway)`,
      );
    const comparison = compareSummaries(after, before);
    return { markdown: renderComparison(comparison), regressions: comparison.regressions };
  });
}
