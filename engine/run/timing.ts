/**
 * Timing for the timeline: a timeout to the due time, re-armed if it fires early (timers are
 * rounded to whole ms). We measured spinning on setImmediate for the last few ms: it cuts the
 * median lateness to ~0.03 ms but, on a loaded 2-core machine, the busy process gets
 * descheduled and the p99 goes from ~3 ms to 10–80 ms (bench/runner-jitter), so we do not spin.
 */

/** Milliseconds before the due time at which to poll instead of sleeping (0: never poll). */
const SPIN_WINDOW_MS = 0;

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
