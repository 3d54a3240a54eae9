/**
 * The delivery queue: `enqueue` returns at once and never throws, so whoever raises an alert
 * (the runner's event hook, mid-run) is not held up by a receiver. Each receiver has its own
 * lane with at most `concurrency` requests in flight, so a slow receiver delays only its own
 * alerts. A failed attempt that is worth retrying waits `backoff · 2^(n-1)` (capped at
 * `maxBackoff`, and at least a 429's Retry-After) with equal jitter, so receivers coming back
 * from an outage are not hit by every sender at once; after `attempts` it is given up and
 * reported. Timers are unref'd: the queue never keeps a process alive on its own; `flush`
 * waits for it, bounded, and reports what it had to leave undelivered.
 *
 * Exactly once per receiver: a notification id already accepted for a receiver is not queued
 * again (a guard trip sent live and again at the run's end is one alert), and every attempt of
 * one delivery carries the same id, which receivers use to drop a retry they already took.
 */
import type { Notification } from './alerts.js';
import type { Receiver, SendResult } from './receiver.js';

export interface DeliveryPolicy {
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Requests in flight per receiver. */
  concurrency: number;
  /** Deliveries waiting at most; more are refused (reported undelivered) rather than piled up. */
  maxPending: number;
}

export interface DeliveryOutcome {
  receiver: string;
  id: string;
  title: string;
  delivered: boolean;
  /** Nothing to send to this receiver (e.g. no alerts for Alertmanager). */
  skipped: boolean;
  attempts: number;
  /** From enqueue to the answer that settled it. */
  latencyMs: number;
  error?: string;
}

interface Job {
  receiver: Receiver;
  notification: Notification;
  attempt: number;
  enqueuedMs: number;
  lastError?: string;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

interface Lane {
  ready: Job[];
  inFlight: Set<Job>;
  waiting: Set<Job>;
}

/** Remembered ids per receiver; older ones are forgotten first (a server runs for months). */
const MAX_REMEMBERED = 50_000;

export class DeliveryQueue {
  readonly #lanes = new Map<string, Lane>();
  readonly #seen = new Set<string>();
  readonly #idle = new Set<() => void>();
  #pending = 0;

  constructor(
    readonly policy: DeliveryPolicy,
    private readonly onOutcome: (outcome: DeliveryOutcome) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** Deliveries not settled yet (waiting, in flight, or waiting to retry). */
  get pending(): number {
    return this.#pending;
  }

  /** Queues `notification` for `receiver`; false when it was queued before (or refused: full). */
  enqueue(receiver: Receiver, notification: Notification): boolean {
    const key = `${receiver.name}\0${notification.id}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > MAX_REMEMBERED) this.#seen.delete(this.#seen.values().next().value!);
    const job: Job = { receiver, notification, attempt: 0, enqueuedMs: performance.now(), settled: false };
    if (this.#pending >= this.policy.maxPending) {
      this.#seen.delete(key);
      this.#pending++;
      this.#settle(job, false, `the queue already holds ${this.policy.maxPending} deliveries`);
      return false;
    }
    this.#pending++;
    this.#lane(receiver.name).ready.push(job);
    this.#pump(receiver.name);
    return true;
  }

  /**
   * Resolves when every delivery settled, or after `timeoutMs`: then what is left is given up
   * (requests in flight aborted, retries cancelled) and reported undelivered.
   */
  async flush(timeoutMs: number): Promise<void> {
    if (this.#pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let done: (() => void) | undefined;
    const idle = new Promise<void>((resolve) => {
      done = resolve;
      this.#idle.add(resolve);
    });
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const result = await Promise.race([idle, late]);
    clearTimeout(timer);
    this.#idle.delete(done!);
    if (result === 'late')
      this.#giveUp(`still pending when squall exited (after ${timeoutMs} ms of waiting)`);
  }

  #lane(name: string): Lane {
    let lane = this.#lanes.get(name);
    if (!lane) {
      lane = { ready: [], inFlight: new Set(), waiting: new Set() };
      this.#lanes.set(name, lane);
    }
    return lane;
  }

  #pump(name: string): void {
    const lane = this.#lane(name);
    while (lane.inFlight.size < this.policy.concurrency && lane.ready.length > 0) {
      const job = lane.ready.shift()!;
      lane.inFlight.add(job);
      this.#attempt(job, lane);
    }
  }

  #attempt(job: Job, lane: Lane): void {
    job.attempt++;
    job.controller = new AbortController();
    const sent = (async (): Promise<SendResult> => {
      try {
        return await job.receiver.send(job.notification, {
          attempt: job.attempt,
          signal: job.controller!.signal,
        });
      } catch (err) {
        // A receiver must not throw; if one does, it is one more failed attempt.
        return { ok: false, retryable: true, error: (err as Error)?.message ?? String(err) };
      }
    })();
    void sent.then((result) => {
      lane.inFlight.delete(job);
      if (job.settled) return;
      if (result.ok) this.#settle(job, true, undefined, result.skipped === true);
      else if (!result.retryable || job.attempt >= this.policy.attempts)
        this.#settle(job, false, result.retryable ? result.error : `${result.error} (not retried)`);
      else this.#retryLater(job, lane, result);
      this.#pump(job.receiver.name);
    });
  }

  #retryLater(job: Job, lane: Lane, result: Extract<SendResult, { ok: false }>): void {
    job.lastError = result.error;
    const { backoffMs, maxBackoffMs } = this.policy;
    const exponential = Math.min(maxBackoffMs, backoffMs * 2 ** (job.attempt - 1));
    const jittered = exponential / 2 + (this.random() * exponential) / 2;
    const delayMs = Math.min(maxBackoffMs, Math.max(jittered, result.retryAfterMs ?? 0));
    lane.waiting.add(job);
    job.timer = setTimeout(() => {
      lane.waiting.delete(job);
      lane.ready.push(job);
      this.#pump(job.receiver.name);
    }, delayMs);
    job.timer.unref();
  }

  #settle(job: Job, delivered: boolean, error?: string, skipped = false): void {
    job.settled = true;
    this.#pending--;
    const outcome: DeliveryOutcome = {
      receiver: job.receiver.name,
      id: job.notification.id,
      title: job.notification.title,
      delivered,
      skipped,
      attempts: job.attempt,
      latencyMs: performance.now() - job.enqueuedMs,
    };
    if (error !== undefined) outcome.error = error;
    try {
      this.onOutcome(outcome);
    } catch {
      // A logger that throws must not stop the queue.
    }
    if (this.#pending === 0) for (const resolve of [...this.#idle]) resolve();
  }

  #giveUp(why: string): void {
    for (const lane of this.#lanes.values()) {
      const left = [...lane.ready, ...lane.waiting, ...lane.inFlight];
      lane.ready.length = 0;
      lane.waiting.clear();
      for (const job of left) {
        if (job.settled) continue;
        clearTimeout(job.timer);
        job.controller?.abort();
        const last = job.lastError ? `; last error: ${job.lastError}` : '';
        this.#settle(job, false, `${why}, ${job.attempt} attempt(s)${last}`);
      }
    }
  }
}
