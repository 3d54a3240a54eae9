/**
 * `stress.cpu`: keep `workers` cores busy at `load` each (worker threads of the agent). Capped
 * at the machine's available parallelism; revert terminates every worker.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';
import { requireSelf, startCpuWorker } from './stress.js';

const Params = z.strictObject({
  workers: z.number().int().min(1).max(256).default(1),
  load: Percent.prefault('100%'),
});

export const stressCpu = defineFaultDriver({
  name: 'stress.cpu',
  summary: 'Burn CPU: workers × load of a core (capped at the cores this host has).',
  params: Params,
  targets: ['host'],
  checkCapacity: (p, host) =>
    p.workers > host.cpus
      ? [{ param: 'workers', message: `${p.workers} workers exceed the ${host.cpus} cores of ${host.name}` }]
      : [],
  async inject(ctx, p) {
    requireSelf(ctx, 'stress.cpu');
    const cores = availableParallelism();
    if (p.workers > cores)
      throw new Error(`stress.cpu: ${p.workers} workers exceed this host's ${cores} cores (cap)`);
    if (p.load <= 0) throw new Error('stress.cpu: load must be above 0%');
    const workers: Worker[] = [];
    for (let i = 0; i < p.workers; i++) workers.push(startCpuWorker(p.load));
    ctx.log(`stress.cpu: ${p.workers} worker(s) at ${(p.load * 100).toFixed(0)}%`);
    return {
      where: `agent process ${process.pid}, ${p.workers} CPU worker thread(s) at ${(p.load * 100).toFixed(0)}%`,
      removeCommand: `kill ${process.pid}  # the CPU workers are threads of this agent and end with it`,
      async revert() {
        await Promise.all(workers.splice(0).map((w) => w.terminate()));
      },
    };
  },
});
