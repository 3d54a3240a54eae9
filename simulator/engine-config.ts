/**
 * The device engine's configuration, in code units (ms, bytes, per-second rates). The
 * experiment's `fleet:` section and the `squall fleet` flags both turn into this, through the
 * one fleet schema (engine/spec/fleet-spec.ts) and fleet-config.ts; `resolveEngineConfig` fills
 * what an input built in code leaves out with the schema's defaults (engine-only knobs such as
 * tickMs have their own) and validates once, before anything connects.
 */
import { SquallError } from '../engine/core/errors.js';
import type { BrokerTarget } from '../engine/spec/broker-url.js';
import { TelemetrySpec } from '../engine/spec/fleet-parts.js';
import { DEVICE_DEFAULTS, defaultClientId, FLEET_DEFAULTS } from '../engine/spec/fleet-spec.js';
import type { QoS } from './packets.js';
import { DEFAULT_RECONNECT, type ReconnectOptions, validateReconnect } from './reconnect.js';
import { compileTemplate } from './template.js';
import type { PinnedTenant, TenantShare } from './tenants.js';

export interface TelemetryConfig {
  intervalMs: number;
  qos: QoS;
  payloadBytes: number;
  /** Topic template: `{index}`, `{tenant}`, `{group}`. */
  topic: string;
  /** `spread`: each device publishes at its own phase in the interval; `aligned`: all at once. */
  phase: 'spread' | 'aligned';
  /** JSON payload template (`{seq}`, `{ts}`, `{index}`, `{tenant}`, `{pad}`); default compact binary. */
  payloadTemplate?: string;
  retain: boolean;
  /**
   * A slot that comes while the device is offline: `drop` takes the reading and loses it (its
   * seq is spent, so the sink counts it lost), `pause` skips it (no seq spent).
   */
  offline: 'drop' | 'pause';
  /** QoS 1/2 publishes awaiting acknowledgement per device; a slot beyond it is dropped. */
  maxInflight: number;
}

export interface WillConfig {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

export interface DeviceGroupConfig {
  name: string;
  count: number;
  /** 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
  protocolVersion: 4 | 5;
  clientId: string;
  username?: string;
  password?: string;
  /** CleanSession (3.1.1) / Clean Start (5). */
  clean: boolean;
  /** MQTT 5 Session Expiry Interval; a persistent v5 session needs > 0 (MQTT 5.0 §3.1.2.11.2). */
  sessionExpiryS: number;
  keepaliveS: number;
  will?: WillConfig;
  telemetry?: TelemetryConfig;
  /** Command subscriptions, topic templates. */
  subscriptions: Array<{ topic: string; qos: QoS }>;
  /** This group's failover endpoints after the primary broker; default: the engine's. */
  failover?: BrokerTarget[];
  /** Consecutive failed connects at one endpoint before moving to the next; default: the engine's. */
  failoverAfter?: number;
}

/** Called for each PUBLISH a device receives; the buffer is only valid during the call. */
export type MessageHandler = (
  localIndex: number,
  buf: Buffer,
  payloadStart: number,
  payloadEnd: number,
  topicStart: number,
  topicEnd: number,
  arrivalMs: number,
) => void;

export interface DeviceEngineConfig {
  /** The primary endpoint every device connects to first. */
  broker: BrokerTarget;
  /**
   * Failover endpoints after the primary: after `failoverAfter` consecutive failed connects
   * (refused, timed out, or closed before CONNACK) a device moves to the next endpoint, round
   * robin and back to the primary after the last, keeping its reconnect backoff.
   */
  failover: BrokerTarget[];
  failoverAfter: number;
  groups: DeviceGroupConfig[];
  tenants: TenantShare[];
  /** Index ranges (global) pinned to one tenant: groups with `tenant:`; the shares cover the rest. */
  pinnedTenants: PinnedTenant[];
  /** Global index of this engine's first device (shards own ranges). */
  firstIndex: number;
  /** Initial connects per second (the ramp); reconnects are not rate-limited. */
  connectRatePerS: number;
  /** TCP + CONNACK handshakes in progress at once while the initial ramp admits a device. */
  maxInflightConnects: number;
  /**
   * Hard limit on handshakes in progress when reconnects are admitted; not a pacing (devices
   * reconnect on their strategy's schedule), a bound on sockets: default 15,000, the most
   * devices one shard holds below this machine's 20,000 open files.
   */
  maxInflightReconnects: number;
  connectTimeoutMs: number;
  reconnect: ReconnectOptions;
  seed: number;
  /** Source addresses to spread connections over (127.0.0.2 ... on loopback). */
  localAddresses: string[];
  tickMs: number;
  /**
   * The slice grid telemetry is dated on (dated-tally.ts): every telemetry slot a device uses
   * is counted as expected in the bucket of its send time. The runner's slice length.
   */
  bucketMs: number;
  /**
   * This host's clock minus the controller's (ms): send times in payloads, dated counts and
   * arrival times are on the controller clock, so a fleet split over hosts dates alike.
   */
  clockOffsetMs: number;
  /**
   * The sink's topic filter: only telemetry whose topic it matches counts as expected.
   * Absent: every device's telemetry counts (the sink subscribes to the fleet's topic).
   */
  sinkTopicFilter?: string;
  onMessage?: MessageHandler;
}

export type DeviceGroupInput = Partial<Omit<DeviceGroupConfig, 'telemetry'>> & {
  telemetry?: Partial<TelemetryConfig>;
};
export type DeviceEngineInput = Partial<Omit<DeviceEngineConfig, 'groups' | 'reconnect' | 'broker'>> & {
  broker: BrokerTarget;
  groups: DeviceGroupInput[];
  reconnect?: Partial<ReconnectOptions>;
};

/** A parsed `telemetry:` section in the engine's units. */
export function telemetryConfigOf(t: TelemetrySpec): TelemetryConfig {
  return {
    intervalMs: t.every,
    qos: t.qos,
    payloadBytes: t.payloadBytes,
    topic: t.topic,
    phase: t.phase,
    payloadTemplate: t.payload === 'compact' ? undefined : t.payload,
    retain: t.retain,
    offline: t.offline,
    maxInflight: t.maxInflight,
  };
}

/** The schema's telemetry defaults; the interval (a spec must give one) is the engine's own, 10 s. */
const DEFAULT_TELEMETRY: TelemetryConfig = telemetryConfigOf(TelemetrySpec.parse({ every: '10s' }));

const invalid = (message: string) => new SquallError('SQUALL_FLEET_CONFIG_INVALID', message);

export function resolveEngineConfig(input: DeviceEngineInput): DeviceEngineConfig {
  if (input.groups.length === 0) throw invalid('a fleet needs at least one device group');
  const groups = input.groups.map((g, i): DeviceGroupConfig => {
    const name = g.name ?? (input.groups.length === 1 ? 'default' : `group${i}`);
    const clean = g.clean ?? DEVICE_DEFAULTS.clean;
    const group: DeviceGroupConfig = {
      name,
      count: g.count ?? 1,
      protocolVersion: g.protocolVersion ?? DEVICE_DEFAULTS.protocol,
      clientId: g.clientId ?? defaultClientId(name),
      username: g.username,
      password: g.password,
      clean,
      sessionExpiryS: g.sessionExpiryS ?? (clean ? 0 : 3600),
      keepaliveS: g.keepaliveS ?? DEVICE_DEFAULTS.keepaliveMs / 1000,
      will: g.will,
      telemetry: g.telemetry ? { ...DEFAULT_TELEMETRY, ...g.telemetry } : undefined,
      subscriptions: g.subscriptions ?? [],
      ...(g.failover !== undefined && { failover: g.failover }),
      ...(g.failoverAfter !== undefined && { failoverAfter: g.failoverAfter }),
    };
    validateGroup(group);
    return group;
  });
  const names = new Set(groups.map((g) => g.name));
  if (names.size !== groups.length) throw invalid('device group names must be unique');
  const reconnect = { ...DEFAULT_RECONNECT, ...input.reconnect };
  validateReconnect(reconnect);
  const config: DeviceEngineConfig = {
    broker: input.broker,
    failover: input.failover ?? [],
    failoverAfter: input.failoverAfter ?? DEVICE_DEFAULTS.failoverAfter,
    groups,
    tenants: input.tenants ?? [],
    pinnedTenants: input.pinnedTenants ?? [],
    firstIndex: input.firstIndex ?? 0,
    connectRatePerS: input.connectRatePerS ?? FLEET_DEFAULTS.rampUp,
    maxInflightConnects: input.maxInflightConnects ?? FLEET_DEFAULTS.maxConnecting,
    maxInflightReconnects: input.maxInflightReconnects ?? 15_000,
    connectTimeoutMs: input.connectTimeoutMs ?? FLEET_DEFAULTS.connectTimeout,
    reconnect,
    seed: input.seed ?? FLEET_DEFAULTS.seed,
    localAddresses: input.localAddresses ?? [],
    tickMs: input.tickMs ?? 5,
    bucketMs: input.bucketMs ?? 1000,
    clockOffsetMs: input.clockOffsetMs ?? 0,
    ...(input.sinkTopicFilter !== undefined && { sinkTopicFilter: input.sinkTopicFilter }),
    onMessage: input.onMessage,
  };
  if (!(config.connectRatePerS > 0)) throw invalid(`rampUp must be above 0/s, got ${config.connectRatePerS}`);
  if (!(config.maxInflightConnects >= 1)) throw invalid('maxInflightConnects must be at least 1');
  if (!(config.maxInflightReconnects >= 1)) throw invalid('maxInflightReconnects must be at least 1');
  if (!(config.connectTimeoutMs > 0)) throw invalid('connectTimeout must be above 0');
  if (!(config.bucketMs > 0)) throw invalid(`bucketMs must be above 0, got ${config.bucketMs}`);
  if (!Number.isFinite(config.clockOffsetMs)) throw invalid('clockOffsetMs must be a finite number');
  for (const after of [config.failoverAfter, ...groups.map((g) => g.failoverAfter)]) {
    if (after !== undefined && !(Number.isInteger(after) && after >= 1 && after <= 255))
      throw invalid(`failoverAfter must be an integer 1..255, got ${after}`);
  }
  for (const g of [{ failover: config.failover }, ...groups]) {
    if ((g.failover?.length ?? 0) > 254) throw invalid('failover: at most 254 endpoints');
  }
  return config;
}

function validateGroup(g: DeviceGroupConfig): void {
  const where = `group '${g.name}'`;
  if (!Number.isInteger(g.count) || g.count < 0) throw invalid(`${where}: count must be an integer >= 0`);
  if (g.protocolVersion !== 4 && g.protocolVersion !== 5) {
    throw invalid(`${where}: protocol must be 3.1.1 (4) or 5, got ${g.protocolVersion}`);
  }
  if (!Number.isInteger(g.keepaliveS) || g.keepaliveS < 0 || g.keepaliveS > 65_535) {
    throw invalid(`${where}: keepalive must be 0..65535 s (MQTT 3.1.1 §3.1.2.10)`);
  }
  const vars = ['index', 'tenant', 'group'] as const;
  compileTemplate(g.clientId, vars, `${where} clientId`);
  if (g.username) compileTemplate(g.username, vars, `${where} username`);
  if (g.password) compileTemplate(g.password, vars, `${where} password`);
  for (const s of g.subscriptions) compileTemplate(s.topic, vars, `${where} subscription`);
  const t = g.telemetry;
  if (t) {
    compileTemplate(t.topic, vars, `${where} telemetry.topic`);
    if (!(t.intervalMs > 0)) throw invalid(`${where}: telemetry.every must be above 0`);
    if (![0, 1, 2].includes(t.qos)) throw invalid(`${where}: telemetry.qos must be 0, 1 or 2`);
    if (!(t.maxInflight >= 1 && t.maxInflight <= 65_535))
      throw invalid(`${where}: maxInflight must be 1..65535`);
  }
}
