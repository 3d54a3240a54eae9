/**
 * The device engine's counters, gauges and HDR histograms (µs), read as 1 s slices through
 * `collect()` (engine/core/metrics.ts). Counters are plain fields bumped on the hot path.
 */
import { createLatencyHistogram, type Histogram, type SourceReading } from '../engine/core/metrics.js';

export const ENGINE_COUNTERS = [
  'connect_attempts',
  'connect_ok',
  'connect_failed',
  'connect_refused',
  'connect_timeouts',
  'disconnects',
  'published',
  'republished',
  'acked',
  'dropped_offline',
  'dropped_backpressure',
  'unacked_dropped',
  'received',
  'pings',
  'gave_up',
  'subscribe_failed',
  'subscribed',
  'failovers',
] as const;
export type EngineCounter = (typeof ENGINE_COUNTERS)[number];

export const ENGINE_HISTOGRAMS = ['connect_latency', 'puback_latency', 'reconnect_time'] as const;
export type EngineHistogram = (typeof ENGINE_HISTOGRAMS)[number];

import type { ErrorCode } from '../engine/core/errors.js';
import { EventBuckets } from './event-buckets.js';

/** Why connects failed, by cause, for the messages of issue 3 §8. */
export type FailureCause =
  | 'unreachable'
  | 'refused'
  | 'timeout'
  | 'tls'
  | 'ports'
  | 'closed'
  | 'protocol'
  /** A SUBACK refused a subscription (the connection itself is up). */
  | 'subscribe';

/** The stable error code a failure cause is reported under. */
export const CAUSE_CODE: Record<FailureCause | 'shard', ErrorCode> = {
  unreachable: 'SQUALL_FLEET_BROKER_UNREACHABLE',
  timeout: 'SQUALL_FLEET_BROKER_UNREACHABLE',
  closed: 'SQUALL_FLEET_BROKER_UNREACHABLE',
  protocol: 'SQUALL_FLEET_BROKER_UNREACHABLE',
  refused: 'SQUALL_FLEET_CONNECT_REFUSED',
  subscribe: 'SQUALL_FLEET_SUBSCRIBE_FAILED',
  tls: 'SQUALL_FLEET_TLS_FAILED',
  ports: 'SQUALL_FLEET_PORTS_EXHAUSTED',
  shard: 'SQUALL_FLEET_SHARD_CRASHED',
};

export class FleetMetrics {
  /** Connect attempts and CONNACKs per 100 ms, for a herd's peak (event-buckets.ts). */
  readonly events = new EventBuckets();
  readonly slice: Record<EngineCounter, number> = zeroCounters();
  readonly total: Record<EngineCounter, number> = zeroCounters();
  histograms: Record<EngineHistogram, Histogram> = newHistograms();
  /** Totals since start, never reset: one entry per cause → error code/reason → count. */
  readonly failures = new Map<string, { cause: FailureCause; detail: string; count: number }>();

  count(name: EngineCounter, n = 1): void {
    this.slice[name] += n;
    this.total[name] += n;
  }

  recordMs(name: EngineHistogram, ms: number): void {
    this.histograms[name].recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  failure(cause: FailureCause, detail: string): void {
    const key = `${cause}:${detail}`;
    const entry = this.failures.get(key);
    if (entry) entry.count++;
    else this.failures.set(key, { cause, detail, count: 1 });
  }

  collect(gauges: Record<string, number>): SourceReading {
    const counters: Record<string, number> = { ...this.slice };
    for (const k of ENGINE_COUNTERS) this.slice[k] = 0;
    const histograms = this.histograms;
    this.histograms = newHistograms();
    return { counters, gauges, histograms };
  }
}

function zeroCounters(): Record<EngineCounter, number> {
  return Object.fromEntries(ENGINE_COUNTERS.map((k) => [k, 0])) as Record<EngineCounter, number>;
}

function newHistograms(): Record<EngineHistogram, Histogram> {
  return Object.fromEntries(ENGINE_HISTOGRAMS.map((k) => [k, createLatencyHistogram()])) as Record<
    EngineHistogram,
    Histogram
  >;
}
