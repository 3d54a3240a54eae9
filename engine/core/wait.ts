/**
 * The one poll helper. For a condition nothing announces — a process state in /proc, a port
 * that opens, a count another process keeps — check it every `intervalMs` until it holds or
 * `timeoutMs` has passed. What can be awaited (an event, a promise) is awaited instead.
 *
 * It answers with a boolean and never throws for a timeout: a caller that must fail says what
 * it waited for in its own error (a stable code, the state it saw), a caller that may go on
 * without it simply does.
 */

export interface WaitOptions {
  /** How long to keep checking. */
  timeoutMs: number;
  /** Time between checks; default 10 ms (a /proc read or a loopback connect costs far less). */
  intervalMs?: number;
  /** Gives up early (resolves false) once aborted; checked before every check. */
  signal?: AbortSignal;
}

/**
 * Resolves true once `check` holds, false when `timeoutMs` passes first or `signal` aborts.
 * `check` runs at least once (unless already aborted); one that throws or rejects rejects the
 * wait.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  options: WaitOptions,
): Promise<boolean> {
  const { timeoutMs, intervalMs = 10, signal } = options;
  // performance.now(): a wall-clock step (NTP) neither cuts the wait short nor stretches it.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) return false;
    if (await check()) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
