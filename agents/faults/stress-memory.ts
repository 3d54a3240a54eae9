/**
 * `stress.memory`: hold `size` bytes of committed memory in a worker thread of the agent.
 * Capped: at most `maxShare` of total memory, and never so much that less than 256 MiB stays
 * free; revert terminates the worker and the memory goes back.
 */
import { freemem, totalmem } from 'node:os';
import { z } from 'zod';
import { defineFaultDriver } from '../../engine/core/faults.js';
import { Percent } from '../../engine/core/unit-schemas.js';
import { formatCapacityBytes } from './capacity.js';
import { formatBytes, requireSelf, Size, startMemoryWorker } from './stress.js';

const KEEP_FREE_BYTES = 256 * 1024 ** 2;

const Params = z.strictObject({
  size: Size,
  /** Cap as a share of total memory. */
  maxShare: Percent.prefault('50%'),
});

export const stressMemory = defineFaultDriver({
  name: 'stress.memory',
  summary: 'Hold memory (e.g. 512MB), capped by a share of total memory and a free-memory floor.',
  params: Params,
  targets: ['host'],
  // Free memory changes by the minute and is checked when injecting; the share cap is known now.
  checkCapacity(p, host) {
    const cap = host.totalMemoryBytes * p.maxShare;
    if (p.size <= cap) return [];
    const share = `${(p.maxShare * 100).toFixed(0)}%`;
    const message = `${formatCapacityBytes(p.size)} exceeds the cap ${formatCapacityBytes(cap)} (maxShare ${share} of the ${formatCapacityBytes(host.totalMemoryBytes)} of ${host.name})`;
    return [{ param: 'size', message }];
  },
  async inject(ctx, p) {
    requireSelf(ctx, 'stress.memory');
    const cap = Math.min(totalmem() * p.maxShare, freemem() - KEEP_FREE_BYTES);
    if (p.size > cap) {
      throw new Error(
        `stress.memory: ${formatBytes(p.size)} exceeds the cap ${formatBytes(Math.max(0, cap))} (${(p.maxShare * 100).toFixed(0)}% of ${formatBytes(totalmem())}, ${formatBytes(KEEP_FREE_BYTES)} kept free)`,
      );
    }
    const worker = await startMemoryWorker(p.size);
    ctx.log(`stress.memory: holding ${formatBytes(p.size)}`);
    return {
      where: `agent process ${process.pid}, memory worker holding ${formatBytes(p.size)}`,
      removeCommand: `kill ${process.pid}  # the memory is held by a thread of this agent and ends with it`,
      async revert() {
        await worker.terminate();
      },
    };
  },
});
