/**
 * Timing for the timeline: a timeout to the due time, re-armed if it fires early (timers are
 * rounded to whole ms). We measured spinning on setImmediate for the last few ms: it cuts the
 * median lateness to ~0.03 ms but, on a loaded 2-core machine, the busy process gets
 * descheduled and the p99 goes from ~3 ms to 10–80 ms (bench/runner-jitter), so we do not spin.
 */
import { MAX_TIMER_MS } from '../core/limits.js';

/** Resolves at `dueMs` (epoch ms) or rejects with the signal's reason when aborted first. */
export function sleepUntil(dueMs: number, signal?: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const poll = () => {
      const leftMs = dueMs - now();
      if (leftMs > 0) {
        // Node takes a delay over 2^31−1 ms as 1 ms (and warns): a 25-day wait would spin.
        // Waiting at most that long and re-arming reaches any due time.
        timer = setTimeout(poll, Math.min(leftMs, MAX_TIMER_MS));
        return;
      }
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    poll();
  });
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepUntil(Date.now() + ms, signal);
}
