/** What every route of the control room shares: one history, one library, one queue, one registry. */
import type { RunHistory } from '../../history/history.js';
import type { Identity } from './auth.js';
import type { Library } from './library.js';
import type { RunManager } from './run-manager.js';
import type { ServeMetrics } from './serve-metrics.js';

export interface ServeContext {
  history: RunHistory;
  library: Library;
  runs: RunManager;
  metrics: ServeMetrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook for /api and /metrics. */
    identity?: Identity;
  }
  interface FastifyInstance {
    squall: ServeContext;
  }
}
