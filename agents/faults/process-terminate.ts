/** `process.terminate`: SIGTERM, a graceful shutdown request; a managed process is restarted on revert. */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Duration } from '../../engine/core/unit-schemas.js';
import { injectExit } from './process-exit.js';
import { SIGNAL_PRIVILEGES } from './signal-privileges.js';

const Params = z.strictObject({
  restart: z.boolean().default(true),
  // Longer than kill's: a graceful shutdown may drain connections first.
  exitTimeout: Duration.prefault('10s'),
});

export const processTerminate = defineFaultDriver({
  name: 'process.terminate',
  summary: 'Ask a process to exit (SIGTERM); a managed process is restarted when the fault ends.',
  params: Params,
  targets: ['process', 'pid', 'pidFile'],
  privileges: SIGNAL_PRIVILEGES,
  instantaneous: true,
  inject: (ctx, p) =>
    injectExit(ctx, { signal: 'SIGTERM', restart: p.restart, exitTimeoutMs: p.exitTimeout }),
});
