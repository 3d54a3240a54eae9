/**
 * A receiver kind: one file per kind under receivers/, listed by the generated catalog
 * (receivers/catalog.ts, `npm run schema`). A kind validates its options with zod when the
 * notification config loads, and makes receivers that send one notification per call. A
 * receiver never throws and never retries: it says how an attempt went, and the delivery queue
 * (queue.ts) decides whether to try again.
 */
import type { z } from 'zod';
import type { Notification } from './alerts.js';

/** How one attempt went. `retryable`: worth another attempt (network, timeout, 5xx, 429). */
export type SendResult =
  | { ok: true; skipped?: boolean }
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

export interface Attempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the queue gives up (the process is exiting). */
  signal: AbortSignal;
}

export interface Receiver {
  readonly name: string;
  readonly kind: string;
  /** Whether resolved alerts (and a run that ended with nothing wrong) are sent here. */
  readonly sendResolved: boolean;
  send(notification: Notification, attempt: Attempt): Promise<SendResult>;
  /** Releases its connections. */
  close(): void;
}

/** What every receiver gets from the config's `delivery:` section. */
export interface Transport {
  timeoutMs: number;
  /** Requests in flight to this receiver at most. */
  concurrency: number;
}

export interface ReceiverKind<Options> {
  /** The `kind:` a receiver entry names. */
  readonly name: string;
  readonly summary: string;
  /** The entry's fields other than `kind`, as written (secret references already resolved). */
  readonly options: z.ZodType<Options>;
  create(name: string, options: Options, transport: Transport): Receiver;
}

/** Types a receiver kind for its file; receivers/catalog.ts (generated) lists it. */
export function defineReceiverKind<Options>(kind: ReceiverKind<Options>): ReceiverKind<Options> {
  return kind;
}
