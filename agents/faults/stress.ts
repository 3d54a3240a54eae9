/**
 * Shared by the stress.* drivers. CPU and memory pressure run in worker threads of the agent
 * itself, so they end with the agent whatever kills it (no orphaned burners for the ledger to
 * chase); revert terminates them. Sizes are written like `256MB`, `1.5GiB`.
 */
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import { parseSizeBytes, type UnitError } from '../../engine/core/units.js';

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/;

/** `256MB`, `1GiB` → bytes (at most 1 PiB, so `100000000GiB` is an error, not 1e17 bytes). */
export const Size = z
  .string()
  .regex(SIZE, "expected a size such as '256MB' or '1GiB'")
  .transform((text, ctx) => {
    try {
      return parseSizeBytes(text);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: (err as UnitError).message, input: text });
      return z.NEVER;
    }
  });

export const formatBytes = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** Burns `load` (0..1) of one core: busy for load × 100 ms, then asleep for the rest. */
const CPU_WORKER = `
const { workerData } = require('node:worker_threads');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const periodMs = 100;
for (;;) {
  const busyUntil = Date.now() + workerData.load * periodMs;
  while (Date.now() < busyUntil) {}
  const idle = periodMs - workerData.load * periodMs;
  if (idle > 0) Atomics.wait(sleeper, 0, 0, idle);
}
`;

/** Allocates and touches `bytes` (so the pages are really committed), then holds them. */
const MEMORY_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const held = [];
const chunk = 16 * 1024 * 1024;
for (let left = workerData.bytes; left > 0; left -= chunk) {
  const b = Buffer.allocUnsafeSlow(Math.min(chunk, left));
  b.fill(0xa5);
  held.push(b);
}
parentPort.postMessage('held');
setInterval(() => held.length, 1 << 30);
`;

export function startCpuWorker(load: number): Worker {
  return new Worker(CPU_WORKER, { eval: true, workerData: { load } });
}

/** Resolves once the memory is allocated and touched. */
export async function startMemoryWorker(bytes: number): Promise<Worker> {
  // The worker's own heap stays small: the memory is off-heap Buffers.
  const worker = new Worker(MEMORY_WORKER, { eval: true, workerData: { bytes } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`memory worker exited (${code}) before holding ${bytes} bytes`)),
    );
  });
  return worker;
}

/** Stress acts on the agent's own machine: `target.host` must be `self` (or this host's name). */
export function requireSelf(ctx: { target: { host?: string } }, kind: string): void {
  const host = ctx.target.host;
  if (host !== undefined && host !== 'self' && host !== hostname()) {
    throw new SquallError(
      'SQUALL_SPEC_INVALID',
      `${kind} runs on the agent's own host: write target.host: self (got '${host}')`,
    );
  }
}
