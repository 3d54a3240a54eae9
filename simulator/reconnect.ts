/**
 * Reconnect strategies, after the AWS Architecture Blog "Exponential Backoff and Jitter"
 * (Marc Brooker, 2015). Pure functions of (attempt, previous delay, rng): the device engine
 * keeps `attempt` and the previous delay per device in typed arrays and asks for the next delay.
 *
 *   exponential          sleep = min(cap, base · 2^attempt)
 *   full-jitter          sleep = random_between(0, min(cap, base · 2^attempt))
 *   equal-jitter         temp = min(cap, base · 2^attempt); sleep = temp/2 + random_between(0, temp/2)
 *   decorrelated-jitter  sleep = min(cap, random_between(base, previous_sleep · 3)), previous_sleep₀ = base
 *   fixed                sleep = base (emqtt-bench: 5 s, no jitter)
 *   immediate            sleep = 0
 *   none                 never reconnect
 */
import { SquallError } from '../engine/core/errors.js';
import { RECONNECT_STRATEGIES, type ReconnectStrategyName } from '../engine/spec/fleet-parts.js';
import { FLEET_DEFAULTS } from '../engine/spec/fleet-spec.js';
import type { Rng } from './prng.js';

export interface ReconnectOptions {
  strategy: ReconnectStrategyName;
  /** Base delay; the delay of `fixed`, the first delay of the exponential family. */
  baseMs: number;
  /** Upper bound of any delay. */
  capMs: number;
  /** Give up after this many consecutive failed attempts; 0 = never give up. */
  maxAttempts: number;
  /**
   * A connection that stayed up this long resets the attempt counter (and the decorrelated
   * jitter's memory); 0 resets on every successful CONNACK. Guards against flapping brokers
   * that accept and then drop: their devices keep backing off.
   */
  resetAfterMs: number;
}

/** The schema's `reconnect:` defaults (engine/spec/fleet-parts.ts), in the engine's units. */
export const DEFAULT_RECONNECT: ReconnectOptions = {
  strategy: FLEET_DEFAULTS.reconnect.strategy,
  baseMs: FLEET_DEFAULTS.reconnect.base,
  capMs: FLEET_DEFAULTS.reconnect.cap,
  maxAttempts: FLEET_DEFAULTS.reconnect.maxAttempts,
  resetAfterMs: FLEET_DEFAULTS.reconnect.resetAfter,
};

/** Returned by `delayMs` when the device stops trying. */
export const GIVE_UP = -1;

export interface ReconnectPolicy {
  readonly options: Readonly<ReconnectOptions>;
  /**
   * Delay before reconnect attempt `attempt` (0 for the first retry after a disconnect or a
   * failed connect). `previousDelayMs` is what this function returned for the attempt before
   * (ignored unless decorrelated; pass any value for attempt 0). `GIVE_UP` when done.
   */
  delayMs(attempt: number, previousDelayMs: number): number;
  /** The attempt number after a connection that lasted `upForMs` ended (see `resetAfterMs`). */
  attemptAfterDrop(attemptBefore: number, upForMs: number): number;
}

/** Checks options up front and returns the policy. */
export function createReconnectPolicy(options: ReconnectOptions, rng: Rng): ReconnectPolicy {
  validateReconnect(options);
  const { strategy, baseMs, capMs, maxAttempts, resetAfterMs } = options;
  const ceiling = (attempt: number) => Math.min(capMs, baseMs * 2 ** Math.min(attempt, 1023));
  const draw: (attempt: number, previousDelayMs: number) => number = {
    none: () => GIVE_UP,
    immediate: () => 0,
    fixed: () => baseMs,
    exponential: ceiling,
    'full-jitter': (attempt: number) => rng.between(0, ceiling(attempt)),
    'equal-jitter': (attempt: number) => {
      const temp = ceiling(attempt);
      return temp / 2 + rng.between(0, temp / 2);
    },
    'decorrelated-jitter': (attempt: number, previousDelayMs: number) => {
      const previous = attempt === 0 ? baseMs : Math.max(baseMs, previousDelayMs);
      return Math.min(capMs, rng.between(baseMs, previous * 3));
    },
  }[strategy];
  return {
    options: Object.freeze({ ...options }),
    delayMs(attempt, previousDelayMs) {
      if (maxAttempts > 0 && attempt >= maxAttempts) return GIVE_UP;
      return draw(attempt, previousDelayMs);
    },
    attemptAfterDrop(attemptBefore, upForMs) {
      return upForMs >= resetAfterMs ? 0 : attemptBefore;
    },
  };
}

export function validateReconnect(options: ReconnectOptions): void {
  const bad = (field: string, value: unknown, expected: string) =>
    new SquallError('SQUALL_FLEET_CONFIG_INVALID', `reconnect.${field}: expected ${expected}, got ${value}`);
  if (!RECONNECT_STRATEGIES.includes(options.strategy)) {
    throw bad('strategy', options.strategy, `one of ${RECONNECT_STRATEGIES.join(', ')}`);
  }
  for (const field of ['baseMs', 'capMs', 'resetAfterMs'] as const) {
    const v = options[field];
    if (!Number.isFinite(v) || v < 0) throw bad(field, v, 'a finite number of ms >= 0');
  }
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 0) {
    throw bad('maxAttempts', options.maxAttempts, 'an integer >= 0 (0 = unlimited)');
  }
  if (options.capMs < options.baseMs) throw bad('capMs', options.capMs, `at least base (${options.baseMs})`);
}
