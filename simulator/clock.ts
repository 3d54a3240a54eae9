/**
 * The one clock of the simulator: epoch milliseconds with microsecond resolution, monotonic
 * within a process. Payloads carry it, so a sink in another process on the same host measures
 * end-to-end latency against the same wall clock.
 */
import { performance } from 'node:perf_hooks';

const ORIGIN_MS = performance.timeOrigin;

export function nowMs(): number {
  return ORIGIN_MS + performance.now();
}
