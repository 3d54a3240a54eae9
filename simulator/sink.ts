/**
 * A sink: a few subscriber connections (a `$share/` group when more than one, MQTT 5.0
 * §4.8.2) on the lean engine, decoding every payload into `SinkAccounting`. Sink connections
 * keep persistent sessions by default so a reconnecting sink gets its queued messages, and
 * sweep gaps past their grace period once per tick.
 *
 * With several `brokers` (a primary and its standby, for devices that fail over), the sink
 * subscribes at each, one engine per broker, all feeding one accounting: a message delivered
 * via either broker counts once, and a second copy is a duplicate.
 */
import { SquallError } from '../engine/core/errors.js';
import type { BrokerTarget } from '../engine/spec/broker-url.js';
import { nowMs } from './clock.js';
import type { TallyWire } from './dated-tally.js';
import { arrivalTally } from './delivery-ledger.js';
import { DeviceEngine } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import type { QoS } from './packets.js';
import { createCompactCodec, createJsonCodec, type PayloadStamp } from './payload.js';
import { SinkAccounting, type SinkAccountingOptions } from './sink-accounting.js';
import { createTenantMap, type PinnedTenant, type TenantShare } from './tenants.js';

export interface SinkOptions {
  broker: BrokerTarget;
  /** Subscribe at each of these instead of `broker` alone. */
  brokers?: BrokerTarget[];
  /** Topic filter, e.g. `t/#`. */
  topic: string;
  qos: QoS;
  /** Subscriber connections; more than one subscribes as `$share/<shareGroup>/<topic>`. */
  connections?: number;
  shareGroup?: string;
  protocolVersion?: 4 | 5;
  clean?: boolean;
  clientIdPrefix?: string;
  /** Tenants of the publishing fleet, to attribute device indexes. */
  tenants?: TenantShare[];
  /** Device index ranges pinned to one tenant (the fleet's groups with `tenant:`). */
  pinnedTenants?: PinnedTenant[];
  graceMs?: number;
  firstSeq?: SinkAccountingOptions['firstSeq'];
  /** JSON payload template of the publishers; compact binary when absent. */
  payloadTemplate?: string;
  username?: string;
  password?: string;
  engine?: Partial<DeviceEngineInput>;
  /**
   * Date every arrival by its send time on this grid (dated-tally.ts), for the fleet's
   * delivery ledger; the arrival-based counters of `accounting` are kept as well.
   */
  bucketMs?: number;
  /** Arrivals sent before this are stale (an earlier run's backlog) and ignored. */
  ignoreBeforeMs?: number;
}

export interface Sink {
  readonly accounting: SinkAccounting;
  /** The first broker's engine. */
  readonly engine: DeviceEngine;
  /** One engine per broker. */
  readonly engines: readonly DeviceEngine[];
  /** Payloads that no codec recognised (foreign traffic on the topic). */
  readonly foreign: number;
  /**
   * Arrivals since the last call dated by send time (only with `bucketMs`), and the stamp they
   * are complete up to on the controller clock.
   */
  drainArrivals(): { arrivals: TallyWire; lossSpans: Array<[number, number]>; throughMs: number } | undefined;
  start(): void;
  /** Resolves once every connection is subscribed; SQUALL_FLEET_SUBSCRIBE_FAILED as soon as a SUBACK refuses. */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function createSink(options: SinkOptions): Sink {
  const connections = options.connections ?? 1;
  const tenants = createTenantMap(options.tenants ?? [], options.pinnedTenants ?? []);
  const arrivals =
    options.bucketMs === undefined ? undefined : arrivalTally(tenants.names.length, options.bucketMs);
  const accounting = new SinkAccounting({
    tenants: tenants.names,
    tenantOf: tenants.of,
    graceMs: options.graceMs ?? 5000,
    firstSeq: options.firstSeq,
    arrivals,
    ignoreBeforeMs: options.ignoreBeforeMs,
  });
  const clockOffsetMs = options.engine?.clockOffsetMs ?? 0;
  const codec = options.payloadTemplate ? createJsonCodec(options.payloadTemplate) : createCompactCodec();
  const stamp: PayloadStamp = { index: 0, seq: 0, sendTimeMs: 0 };
  const topic = connections > 1 ? `$share/${options.shareGroup ?? 'squall'}/${options.topic}` : options.topic;
  let foreign = 0;
  const brokers = options.brokers?.length ? options.brokers : [options.broker];
  const engines = brokers.map(
    (broker, b) =>
      new DeviceEngine(
        resolveEngineConfig({
          connectRatePerS: 10_000,
          reconnect: { strategy: 'exponential', baseMs: 100, capMs: 2000 },
          ...options.engine,
          broker,
          groups: [
            {
              name: 'sink',
              count: connections,
              protocolVersion: options.protocolVersion ?? 4,
              // Distinct per broker: two endpoints of one cluster must not take over each other's session.
              clientId: `${options.clientIdPrefix ?? 'squall-sink'}-${b === 0 ? '' : `${b}-`}{index}`,
              clean: options.clean ?? false,
              keepaliveS: 30,
              username: options.username,
              password: options.password,
              subscriptions: [{ topic, qos: options.qos }],
            },
          ],
          onMessage(_dev, buf, start, end, _ts, _te, arrivalMs) {
            if (codec.decode(buf, start, end, stamp))
              accounting.record(stamp.index, stamp.seq, stamp.sendTimeMs, arrivalMs);
            else foreign++;
          },
        }),
      ),
  );
  let sweeper: NodeJS.Timeout | undefined;
  return {
    accounting,
    engine: engines[0]!,
    engines,
    get foreign() {
      return foreign;
    },
    drainArrivals() {
      if (!arrivals) return undefined;
      const throughMs = nowMs() - clockOffsetMs;
      return { arrivals: arrivals.drain(), lossSpans: accounting.drainLossSpans(), throughMs };
    },
    start() {
      for (const e of engines) e.start();
      sweeper = setInterval(() => accounting.sweep(nowMs()), 100);
    },
    async waitReady(timeoutMs = 10_000) {
      await Promise.all(
        engines.map(async (e, b) => {
          const at = `${brokers[b]!.host}:${brokers[b]!.port}`;
          await e.waitFor(
            () => e.metrics.total.subscribed >= connections || e.metrics.total.subscribe_failed > 0,
            timeoutMs,
            () =>
              `sink at ${at}: ${e.metrics.total.subscribed}/${connections} subscribed, ${e.connected} connected`,
          );
          // A refused SUBSCRIBE is not retried: waiting longer would only turn it into a timeout.
          const refused = e.snapshot().failures.find((f) => f.cause === 'subscribe');
          if (refused) {
            throw new SquallError(
              'SQUALL_FLEET_SUBSCRIBE_FAILED',
              `the broker refused the sink's subscription to ${topic} at ${at}: ${refused.detail}`,
            );
          }
        }),
      );
    },
    async stop() {
      if (sweeper) clearInterval(sweeper);
      await Promise.all(engines.map((e) => e.stop()));
    },
  };
}
