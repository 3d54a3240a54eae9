/**
 * `toFleetConfig`: a parsed `fleet:` section (engine/spec/fleet-spec.ts) → the code-unit
 * config `createFleet` takes, with every broker name resolved to a target and TLS files read.
 * Experiments and `squall fleet` both come through here, after the same schema.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { SquallError } from '../engine/core/errors.js';
import { type BrokerTarget, brokerUrlProblem, parseBrokerUrl } from '../engine/spec/broker-url.js';
import {
  DEVICE_DEFAULTS,
  type DeviceFieldName,
  defaultClientId,
  type FleetSpec,
} from '../engine/spec/fleet-spec.js';
import { hasUrlScheme } from '../engine/spec/url-scheme.js';
import { type DeviceEngineInput, type DeviceGroupInput, telemetryConfigOf } from './engine-config.js';
import type { PinnedTenant } from './tenants.js';

/** What `createFleet` takes: the engine's input plus sink and sharding. */
export interface FleetConfig {
  engine: DeviceEngineInput;
  sink:
    | false
    | {
        topic: string;
        connections: number;
        qos: 0 | 1 | 2;
        graceMs: number;
        protocolVersion: 4 | 5;
        /** Where the sink subscribes, when not at the devices' broker (e.g. the cloud behind a gateway). */
        broker?: BrokerTarget;
        /** Subscribe at each (a primary and its standby); accounting merged, a second copy is a duplicate. */
        brokers?: BrokerTarget[];
        /** `first-seen` when the publishers started before the sink (`squall fleet sub`). */
        firstSeq?: 'zero' | 'first-seen';
      };
  /** 'auto' picks enough shards to keep each under the open-files limit; 0 = in process. */
  shards: number | 'auto';
  /**
   * Endpoints of one broker cluster to spread the shards over: shard i's devices connect to
   * `shardBrokers[i % n]` first instead of `engine.broker` (their failover list stays). A
   * destination ip:port takes ~28k–64k connections per source address, so a million devices
   * need several endpoints (docs/scale.md, "A million devices").
   */
  shardBrokers?: BrokerTarget[];
}

/**
 * A field of the section that cannot be turned into config (an unknown broker name, an
 * unreadable TLS file). `field` is its path below `fleet.` as written (`failover[0]`,
 * `groups.meters.failover[1]`, `tls.ca`), so `squall fleet` can name its flag instead.
 */
export class FleetConfigError extends SquallError {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super('SQUALL_FLEET_CONFIG_INVALID', `fleet.${field}: ${detail}`);
  }
}

type DeviceFields = Partial<Pick<FleetSpec, DeviceFieldName>>;

/**
 * Turns a parsed `fleet:` section into a `FleetConfig`. `brokers` maps `system.brokers` names
 * to URLs; a broker may also be a URL itself. TLS files are read relative to `baseDir` (the
 * experiment file's folder).
 */
export function toFleetConfig(
  spec: FleetSpec,
  brokers: Record<string, string> = {},
  baseDir = process.cwd(),
): FleetConfig {
  const tlsOptions = spec.tls && readTls(spec.tls, baseDir);
  const target = (name: string, field: string): BrokerTarget => {
    const url = brokers[name] ?? name;
    if (!brokers[name] && !hasUrlScheme(url)) {
      const known = Object.keys(brokers).join(', ') || 'none';
      throw new FleetConfigError(field, `'${name}' is neither a name in system.brokers (${known}) nor a URL`);
    }
    const problem = brokerUrlProblem(url);
    if (problem) throw new FleetConfigError(field, problem);
    return parseBrokerUrl(url, tlsOptions);
  };
  const broker = target(spec.broker, 'broker');
  if (spec.tls && !broker.tls) {
    throw new FleetConfigError(
      'tls',
      `is set but the broker '${brokers[spec.broker] ?? spec.broker}' is not mqtts://`,
    );
  }
  const failoverOf = (names: string[], where: string) =>
    names.map((n, i) => target(n, `${where}failover[${i}]`));
  // The fleet's failover is the engine's, for every group that sets none of its own.
  const fleetFailover = spec.failover && failoverOf(spec.failover, '');

  const group = (name: string, devices: number, own: DeviceFields): DeviceGroupInput => {
    const f: DeviceFields = { ...pickDefined(spec), ...pickDefined(own) };
    const failover = own.failover ? failoverOf(own.failover, `groups.${name}.`) : fleetFailover;
    return {
      name,
      count: devices,
      protocolVersion: f.protocol ?? DEVICE_DEFAULTS.protocol,
      clientId: f.clientId ?? defaultClientId(name),
      username: f.username,
      password: f.password,
      clean: f.clean ?? DEVICE_DEFAULTS.clean,
      sessionExpiryS: f.sessionExpiry === undefined ? undefined : Math.round(f.sessionExpiry / 1000),
      keepaliveS: Math.round((f.keepalive ?? DEVICE_DEFAULTS.keepaliveMs) / 1000),
      will: f.will,
      subscriptions: f.commands ?? [],
      ...(failover && { failover }),
      ...(f.failoverAfter !== undefined && { failoverAfter: f.failoverAfter }),
      ...(f.telemetry && { telemetry: telemetryConfigOf(f.telemetry) }),
    };
  };
  const groups = spec.groups?.length
    ? spec.groups.map((g) => group(g.name, g.devices, g))
    : [group('default', spec.devices ?? 0, {})];
  const telemetryTopic = groups.find((g) => g.telemetry)?.telemetry?.topic;
  // A sink needs a filter: its own, or the telemetry's (`squall fleet sub` has only its own).
  const sinkTopic =
    spec.sink === false ? undefined : (spec.sink.topic ?? (telemetryTopic && topicFilterOf(telemetryTopic)));
  return {
    engine: {
      broker,
      groups,
      ...(fleetFailover && { failover: fleetFailover }),
      ...(spec.failoverAfter !== undefined && { failoverAfter: spec.failoverAfter }),
      tenants: Object.entries(spec.tenants ?? {}).map(([name, share]) => ({ name, share })),
      ...pinnedTenantsOf(spec),
      connectRatePerS: spec.rampUp,
      maxInflightConnects: spec.maxConnecting,
      connectTimeoutMs: spec.connectTimeout,
      reconnect: {
        strategy: spec.reconnect.strategy,
        baseMs: spec.reconnect.base,
        capMs: spec.reconnect.cap,
        maxAttempts: spec.reconnect.maxAttempts,
        resetAfterMs: spec.reconnect.resetAfter,
      },
      seed: spec.seed,
      localAddresses: spec.sourceAddresses,
    },
    sink:
      spec.sink === false || !sinkTopic
        ? false
        : {
            ...(spec.sink.broker !== undefined && { broker: target(spec.sink.broker, 'sink.broker') }),
            ...(spec.sink.brokers !== undefined && {
              brokers: spec.sink.brokers.map((n, i) => target(n, `sink.brokers[${i}]`)),
            }),
            topic: sinkTopic,
            connections: spec.sink.connections,
            qos: spec.sink.qos,
            graceMs: spec.sink.grace,
            protocolVersion: spec.sink.protocol ?? (spec.sink.connections > 1 ? 5 : 4),
          },
    shards: spec.shards,
  };
}

/** `t/{tenant}/{index}` → `t/+/+`; a trailing placeholder level becomes `+` too. */
export function topicFilterOf(template: string): string {
  return template
    .split('/')
    .map((level) => (/\{[a-z]+\}/.test(level) ? '+' : level))
    .join('/');
}

function readTls(t: NonNullable<FleetSpec['tls']>, baseDir: string) {
  const read = (file: string | undefined, field: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(resolvePath(baseDir, file));
    } catch (err) {
      throw new FleetConfigError(`tls.${field}`, `cannot read '${file}': ${(err as Error).message}`);
    }
  };
  return {
    ca: read(t.ca, 'ca'),
    cert: read(t.cert, 'cert'),
    key: read(t.key, 'key'),
    rejectUnauthorized: !t.insecure,
    ...(t.servername ? { servername: t.servername } : {}),
  };
}

/** Groups with `tenant:` pin their global index range, fixed here before any split into agents or shards. */
function pinnedTenantsOf(spec: FleetSpec): { pinnedTenants?: PinnedTenant[] } {
  const pinned: PinnedTenant[] = [];
  let first = 0;
  for (const g of spec.groups ?? []) {
    if (g.tenant !== undefined && g.devices > 0) pinned.push({ first, count: g.devices, tenant: g.tenant });
    first += g.devices;
  }
  return pinned.length > 0 ? { pinnedTenants: pinned } : {};
}

function pickDefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
