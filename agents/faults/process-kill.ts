/** `process.kill`: send SIGKILL (or `signal`) to a process; a managed one is restarted on revert. */
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Duration } from '../../engine/core/unit-schemas.js';
import { injectExit } from './process-exit.js';
import { SIGNAL_PRIVILEGES } from './signal-privileges.js';

/** Signals that end a process; SIGSTOP belongs to `process.pause`, which can undo it. */
const ExitSignal = z.enum([
  'SIGKILL',
  'SIGTERM',
  'SIGINT',
  'SIGHUP',
  'SIGQUIT',
  'SIGABRT',
  'SIGUSR1',
  'SIGUSR2',
]);

const Params = z.strictObject({
  signal: ExitSignal.default('SIGKILL'),
  restart: z.boolean().default(true),
  exitTimeout: Duration.prefault('5s'),
});

export const processKill = defineFaultDriver({
  name: 'process.kill',
  summary: 'Kill a process (SIGKILL by default); a managed process is restarted when the fault ends.',
  params: Params,
  targets: ['process', 'pid', 'pidFile'],
  privileges: SIGNAL_PRIVILEGES,
  instantaneous: true,
  inject: (ctx, p) => injectExit(ctx, { signal: p.signal, restart: p.restart, exitTimeoutMs: p.exitTimeout }),
});
