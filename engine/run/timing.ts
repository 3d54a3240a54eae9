/**
 * Timing for the timeline. Plain `setTimeout` fires 1–15 ms late under load; the scheduler
 * sleeps until shortly before the planned time and then yields with `setImmediate` until it
 * is due, which keeps fault starts within a millisecond or two of plan (bench/runner-jitter).
 */

/** Milliseconds before the due time at which we stop trusting setTimeout and start polling. */
const SPIN_WINDOW_MS = 4;

/** Resolves at `dueMs` (epoch ms) or rejects with the signal's reason when aborted first. */
export function sleepUntil(dueMs: number, signal?: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const onAbort = () => {
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const poll = () => {
      immediate = undefined;
      timer = undefined;
      const leftMs = dueMs - now();
      if (leftMs <= 0) return done();
      if (leftMs > SPIN_WINDOW_MS) timer = setTimeout(poll, leftMs - SPIN_WINDOW_MS);
      else immediate = setImmediate(poll);
    };
    poll();
  });
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepUntil(Date.now() + ms, signal);
}

/** True when the error is the abort of the given signal (so callers can tell abort from failure). */
export function isAbortOf(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted && err === signal.reason;
}
