/**
 * `squall serve`'s HTTP app, unbound: the command listens on it, tests call `inject` or listen
 * on port 0. Routes: the page (static-ui.ts), /healthz, /metrics, and /api (routes-runs.ts,
 * routes-read.ts), as the README's "Game day" section lists them. Every answer carries the
 * same security headers; every error is `{ code, message }` (http-errors.ts).
 */

import { userInfo } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import { openRunHistory } from '../../history/history.js';
import type { LoadedSchedule } from '../../schedule/load.js';
import { createScheduler } from '../../schedule/scheduler.js';
import type { RunNotifier } from '../commands/notify-flag.js';
import { checkOrigin, createAuth } from './auth.js';
import { handleError } from './http-errors.js';
import { Library } from './library.js';
import { registerReadRoutes } from './routes-read.js';
import { registerRunRoutes } from './routes-runs.js';
import { registerScheduleRoutes } from './routes-schedules.js';
import { RunManager } from './run-manager.js';
import { scheduledRunStarter } from './scheduled-runs.js';
import type { ServeContext } from './serve-context.js';
import { ServeMetrics } from './serve-metrics.js';
import { registerStaticUi } from './static-ui.js';
import type { TokenEntry } from './tokens.js';

export interface ServeOptions {
  /** `--library DIR`: the only files runs may start from. */
  library: string;
  /** The history database (absolute path). */
  historyPath: string;
  /** Where each run's journal and reports go. */
  runsDir: string;
  /** `--tokens`: undefined is the tokenless loopback mode. */
  tokens?: readonly TokenEntry[];
  tls?: { cert: string | Buffer; key: string | Buffer };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Who the tokenless mode says everyone is; default the local user. */
  localUser?: string;
  uiDir?: string;
  /** Unsent bytes a viewer may fall behind before it is dropped. */
  maxBufferedBytes?: number;
  /** `--notify FILE`: each run's alerts, as `squall run --notify` sends them. */
  notifier?: RunNotifier;
  /** `--schedules`: fired into this server's queue once `squall.scheduler.start()` is called. */
  schedules?: readonly LoadedSchedule[];
  log?(text: string): void;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function createServeApp(options: ServeOptions): FastifyInstance {
  const log = options.log ?? (() => {});
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    ...(options.tls && { https: { cert: options.tls.cert, key: options.tls.key } }),
  }) as unknown as FastifyInstance;
  const library = new Library(options.library);
  const history = openRunHistory(options.historyPath);
  const metrics = new ServeMetrics();
  const runs = new RunManager({
    runsDir: options.runsDir,
    history: options.historyPath,
    env: options.env,
    cwd: options.cwd,
    metrics,
    log,
    maxBufferedBytes: options.maxBufferedBytes,
    notifier: options.notifier,
  });
  // A run this server's previous life left `running` is found interrupted now, not at the first read.
  history.sweep();
  const scheduler =
    options.schedules && options.schedules.length > 0
      ? createScheduler({
          schedules: options.schedules,
          history,
          startRun: scheduledRunStarter(runs, options.cwd),
          log,
        })
      : undefined;
  const ctx: ServeContext = { history, library, runs, metrics, scheduler };
  app.decorate('squall', ctx);
  const auth = createAuth({
    tokens: options.tokens,
    localUser: options.localUser ?? localUser(options.env),
    tls: options.tls !== undefined,
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ code: 'SQUALL_SERVE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (!reply.hasHeader('content-security-policy') && !req.url.startsWith('/api/runs/'))
      reply.header('content-security-policy', PAGE_CSP);
    return payload;
  });
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    const guarded = path.startsWith('/api/') || path === '/metrics';
    if (!guarded) return;
    if (path === '/api/login' || path === '/api/logout') {
      checkOrigin(req, options.tls !== undefined);
      if (path === '/api/login') return;
    }
    req.identity = auth.identify(req);
    if (MUTATING.has(req.method) && path !== '/api/logout') auth.checkMutation(req, req.identity);
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.text()),
  );
  registerStaticUi(app, options.uiDir);
  registerReadRoutes(app, ctx, auth);
  registerRunRoutes(app, ctx);
  registerScheduleRoutes(app, ctx, scheduler);

  // Before the listener closes: node's server.close waits for every open connection, and an
  // event stream stays open until it is ended, so the run is wound down (rollback watched by
  // whoever is connected) and the streams are ended first.
  app.addHook('preClose', async () => {
    scheduler?.stop();
    await runs.shutdown('server shutdown');
  });
  app.addHook('onClose', async () => {
    history.close();
  });
  return app;
}

function localUser(env: Record<string, string | undefined>): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? 'local';
  }
}
