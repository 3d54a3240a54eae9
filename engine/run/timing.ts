/**
 * Timing for the timeline: a timeout to the due time, re-armed if it fires early (timers are
 * rounded to whole ms). We measured spinning on setImmediate for the last few ms: it cuts the
 * median lateness to ~0.03 ms but, on a loaded 2-core machine, the busy process gets
 * descheduled and the p99 goes from ~3 ms to 10–80 ms (bench/runner-jitter), so we do not spin.
 */

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
        timer = setTimeout(poll, leftMs);
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
