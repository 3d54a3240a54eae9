/**
 * The state every part of the device engine shares: per-device slots in typed arrays (local
 * index), the resolved groups, sockets, the one timer wheel and connect ramp, and metrics.
 * The parts (device-connection, device-inbound, device-publish, device-timers) are functions
 * over this core; `DeviceEngine` is the facade that owns it. A device's state machine:
 *
 *   IDLE → QUEUED → CONNECTING (TCP/TLS) → CONNACK_WAIT → CONNECTED
 *                      ↑                                     │ drop / refuse / timeout
 *                      └──── QUEUED ← BACKOFF (reconnect.ts) ←┘   → GAVE_UP after maxAttempts
 *
 * Plain TCP devices send CONNECT while connecting, so they go CONNECTING → CONNECTED.
 */
import type net from 'node:net';
import type { BrokerTarget } from '../engine/spec/broker-url.js';
import { nowMs } from './clock.js';
import type { DatedTally } from './dated-tally.js';
import { sentTally } from './delivery-ledger.js';
import type { DeviceEngineConfig, DeviceGroupConfig } from './engine-config.js';
import { type FailureCause, FleetMetrics } from './fleet-metrics.js';
import { createCompactCodec, createJsonCodec, type PayloadCodec } from './payload.js';
import { createRng } from './prng.js';
import { ConnectRamp } from './ramp.js';
import { createReconnectPolicy, type ReconnectPolicy } from './reconnect.js';
import { type CompiledTemplate, compileTemplate } from './template.js';
import { createTenantMap, type TenantMap } from './tenants.js';
import { TimerWheel } from './timer-wheel.js';
import { sinkReach } from './topic-match.js';

export const DeviceState = {
  idle: 0,
  queued: 1,
  connecting: 2,
  connackWait: 3,
  connected: 4,
  backoff: 5,
  gaveUp: 6,
  stopped: 7,
} as const;

export const FLAG_TELEMETRY_STARTED = 1;
export const FLAG_PING_OUTSTANDING = 2;
export const FLAG_FAILURE_RECORDED = 4;
/**
 * This process saw the broker grant the device's subscriptions in the session it holds now.
 * Only then does CONNACK session-present prove they exist: a session left by an earlier
 * process (same client id) may hold other filters, or none if its SUBSCRIBE never got through.
 */
export const FLAG_SUBSCRIBED = 8;

export interface Inflight {
  sentMs: number;
  /** The encoded PUBLISH, kept for redelivery with DUP on a persistent session; null after PUBREC. */
  packet: Buffer | null;
  qos: 1 | 2;
}

export interface ResolvedGroup {
  config: DeviceGroupConfig;
  first: number;
  end: number;
  clientId: CompiledTemplate;
  username?: CompiledTemplate;
  password?: CompiledTemplate;
  topic?: CompiledTemplate;
  will?: CompiledTemplate;
  subscriptions: Array<{ topic: CompiledTemplate; qos: 0 | 1 | 2 }>;
  codec?: PayloadCodec;
  keepaliveMs: number;
  /** Publishes or subscribes: wants TCP_NODELAY so acks and telemetry are not held by Nagle. */
  sendsData: boolean;
  /** The primary broker, then the failover endpoints. */
  endpoints: BrokerTarget[];
  failoverAfter: number;
}

export type DeviceSocket = net.Socket & { dev: number };

/** One set of socket handlers per engine; `this` is the socket, `dev` its local index. */
export interface SocketHandlers {
  onread: { buffer: Buffer; callback: (this: DeviceSocket, nread: number, buf: Buffer) => boolean };
  connect: (this: DeviceSocket) => void;
  error: (this: DeviceSocket, err: NodeJS.ErrnoException) => void;
  close: (this: DeviceSocket) => void;
  data: (this: DeviceSocket, chunk: Buffer) => void;
}

const TEMPLATE_VARS = ['index', 'tenant', 'group'] as const;

function resolveGroups(config: DeviceEngineConfig): ResolvedGroup[] {
  let first = 0;
  return config.groups.map((g) => {
    const resolved: ResolvedGroup = {
      config: g,
      first,
      end: first + g.count,
      clientId: compileTemplate(g.clientId, TEMPLATE_VARS, 'clientId'),
      username: g.username === undefined ? undefined : compileTemplate(g.username, TEMPLATE_VARS, 'username'),
      password: g.password === undefined ? undefined : compileTemplate(g.password, TEMPLATE_VARS, 'password'),
      topic: g.telemetry ? compileTemplate(g.telemetry.topic, TEMPLATE_VARS, 'topic') : undefined,
      will: g.will ? compileTemplate(g.will.topic, TEMPLATE_VARS, 'will.topic') : undefined,
      subscriptions: g.subscriptions.map((s) => ({
        topic: compileTemplate(s.topic, TEMPLATE_VARS, 'topic'),
        qos: s.qos,
      })),
      codec: g.telemetry
        ? g.telemetry.payloadTemplate
          ? createJsonCodec(g.telemetry.payloadTemplate, g.telemetry.payloadBytes)
          : createCompactCodec(g.telemetry.payloadBytes)
        : undefined,
      keepaliveMs: g.keepaliveS * 1000,
      sendsData: g.telemetry !== undefined || g.subscriptions.length > 0,
      endpoints: [config.broker, ...(g.failover ?? config.failover)],
      failoverAfter: g.failoverAfter ?? config.failoverAfter,
    };
    first += g.count;
    return resolved;
  });
}

export class DeviceCore {
  readonly config: DeviceEngineConfig;
  readonly count: number;
  readonly metrics = new FleetMetrics();
  /** Telemetry slots used, per tenant, dated by send time: what the sink should receive. */
  readonly sent: DatedTally;
  /** 1 where a device's telemetry reaches the sink's filter; absent when all of it does. */
  readonly countsAtSink: Uint8Array | undefined;
  readonly tenants: TenantMap;
  readonly groups: ResolvedGroup[];
  readonly groupOf: Uint8Array;
  readonly policy: ReconnectPolicy;
  readonly wheel: TimerWheel;
  readonly ramp: ConnectRamp;

  readonly state: Uint8Array;
  /** Devices per state, kept on every transition: a snapshot (polled by the CLI) is O(1). */
  readonly stateCount = new Int32Array(8);
  readonly flags: Uint8Array;
  readonly attempt: Uint16Array;
  readonly nextPid: Uint16Array;
  readonly seq: Uint32Array;
  readonly connectStartMs: Float64Array;
  readonly connectedAtMs: Float64Array;
  readonly disconnectedAtMs: Float64Array;
  readonly nextPublishMs: Float64Array;
  readonly lastTxMs: Float64Array;
  readonly pingSentMs: Float64Array;
  readonly backoffUntilMs: Float64Array;
  readonly previousDelayMs: Float32Array;
  /** MQTT 5 CONNACK properties: 0 = the server set none. */
  readonly receiveMaximum: Uint16Array;
  readonly serverKeepaliveS: Uint16Array;
  /** Index into the group's endpoints, and failed connects in a row there. */
  readonly endpoint: Uint8Array;
  readonly failedConnects: Uint8Array;
  readonly sockets: Array<DeviceSocket | undefined>;
  /** Sparse: only devices with something in flight or a partial frame. */
  readonly inflight = new Map<number, Map<number, Inflight>>();
  readonly carry = new Map<number, Buffer>();
  /** Incoming QoS 2 packet ids delivered and awaiting PUBREL, per device. */
  readonly awaitingRelease = new Map<number, Set<number>>();

  openSockets = 0;
  epochMs = 0;
  stopping = false;
  onAllClosed: (() => void) | undefined;
  /** Set by the engine once its handlers exist. */
  handlers!: SocketHandlers;
  /** The ramp's one start callback (not a closure per pump). */
  startFromRamp: ((dev: number, nowMs: number) => void) | undefined;

  constructor(config: DeviceEngineConfig, onTimer: (dev: number, nowMs: number) => void, now: number) {
    this.config = config;
    this.tenants = createTenantMap(config.tenants, config.pinnedTenants);
    this.groups = resolveGroups(config);
    const n = this.groups.reduce((a, g) => a + g.config.count, 0);
    this.count = n;
    this.groupOf = new Uint8Array(n);
    this.groups.forEach((g, i) => {
      this.groupOf.fill(i, g.first, g.end);
    });
    this.policy = createReconnectPolicy(config.reconnect, createRng(config.seed));
    this.wheel = new TimerWheel(n, config.tickMs, onTimer, now);
    this.ramp = new ConnectRamp(
      n,
      config.connectRatePerS,
      config.maxInflightConnects,
      config.tickMs,
      now,
      config.maxInflightReconnects,
    );
    this.state = new Uint8Array(n);
    this.stateCount[DeviceState.idle] = n;
    this.flags = new Uint8Array(n);
    this.attempt = new Uint16Array(n);
    this.nextPid = new Uint16Array(n);
    this.seq = new Uint32Array(n);
    this.connectStartMs = new Float64Array(n);
    this.connectedAtMs = new Float64Array(n);
    this.disconnectedAtMs = new Float64Array(n);
    this.nextPublishMs = new Float64Array(n);
    this.lastTxMs = new Float64Array(n);
    this.pingSentMs = new Float64Array(n);
    this.backoffUntilMs = new Float64Array(n);
    this.previousDelayMs = new Float32Array(n);
    this.receiveMaximum = new Uint16Array(n);
    this.serverKeepaliveS = new Uint16Array(n);
    this.endpoint = new Uint8Array(n);
    this.failedConnects = new Uint8Array(n);
    this.sockets = new Array(n).fill(undefined);
    this.sent = sentTally(this.tenants.names.length, config.bucketMs);
    this.countsAtSink =
      config.sinkTopicFilter === undefined ? undefined : this.#sinkMatches(config.sinkTopicFilter);
  }

  /** The controller's clock (epoch ms): what payloads carry and counts are dated by. */
  stampMs(): number {
    return nowMs() - this.config.clockOffsetMs;
  }

  #sinkMatches(filter: string): Uint8Array {
    const names = this.tenants.names;
    const reaches = sinkReach(
      this.config.groups,
      this.config.firstIndex,
      filter,
      (i) => names[this.tenants.of(i)]!,
    );
    return Uint8Array.from({ length: this.count }, (_, dev) => (reaches(this.globalIndex(dev)) ? 1 : 0));
  }

  groupOfDevice(dev: number): ResolvedGroup {
    return this.groups[this.groupOf[dev]!]!;
  }

  /** The broker a device connects to now. */
  endpointOf(dev: number): BrokerTarget {
    const group = this.groupOfDevice(dev);
    return group.endpoints[this.endpoint[dev]!]!;
  }

  globalIndex(dev: number): number {
    return this.config.firstIndex + dev;
  }

  /** Devices connected now (kept by `setState`). */
  get connected(): number {
    return this.stateCount[DeviceState.connected]!;
  }

  setState(dev: number, state: number): void {
    this.stateCount[this.state[dev]!]!--;
    this.stateCount[state]!++;
    this.state[dev] = state;
  }

  /** The keepalive a device runs with: its group's, or the broker's Server Keep Alive (MQTT 5). */
  keepaliveMs(dev: number, group: ResolvedGroup): number {
    const server = this.serverKeepaliveS[dev]!;
    return server > 0 ? server * 1000 : group.keepaliveMs;
  }

  write(dev: number, buf: Buffer, now: number): void {
    this.sockets[dev]!.write(buf);
    this.lastTxMs[dev] = now;
  }

  vars(dev: number, group: ResolvedGroup) {
    const index = this.globalIndex(dev);
    return { index, tenant: this.tenants.names[this.tenants.of(index)]!, group: group.config.name };
  }

  /** Counts one failure cause per connect attempt (an error and the close after it are one). */
  recordFailure(dev: number, cause: FailureCause, detail: string): void {
    if (this.flags[dev]! & FLAG_FAILURE_RECORDED) return;
    this.flags[dev] = this.flags[dev]! | FLAG_FAILURE_RECORDED;
    this.metrics.failure(cause, detail);
  }

  protocolError(dev: number, detail: string): void {
    this.metrics.failure('protocol', detail);
    this.sockets[dev]?.destroy();
  }
}
