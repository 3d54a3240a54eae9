/**
 * The experiment's `fleet:` section as a zod 4 schema, in human units (`10s`, `5000/s`, `80%`),
 * and `toFleetConfig` turning a parsed section into the code-unit config `createFleet` takes.
 * The lead plugs `FleetSpec` into engine/spec/schema.ts; this file imports only units.ts so
 * the two never import each other.
 *
 *   fleet:
 *     devices: 100000
 *     broker: cloud                      # a name from system.brokers, or a URL
 *     clientId: "dev-{index}"
 *     rampUp: 5000/s
 *     telemetry: { every: 10s, qos: 1, payloadBytes: 256, topic: "t/{tenant}/{index}" }
 *     tenants: { acme: 80%, globex: 20% }
 *     reconnect: { strategy: full-jitter, base: 1s, cap: 60s }
 *     protocol: "3.1.1"                  # or 5
 *     groups:                            # optional; each inherits the fields above
 *       - { name: meters, devices: 79950 }
 *       - { name: gateways, devices: 20000, protocol: 5, clean: false, commands: [{ topic: "cmd/{index}", qos: 1 }] }
 *       - { name: flood, devices: 50, tenant: noisy }   # every device of the group is tenant `noisy`;
 *                                                        # `tenants` shares cover the other groups
 *
 * Broker failover (per fleet, or per group to override):
 *
 *     broker: cloud
 *     failover: [cloud-standby]          # names from system.brokers, or URLs
 *     failoverAfter: 3                   # default 3
 *     sink: { brokers: [cloud, cloud-standby] }
 *
 *   A device connects to `broker`; after `failoverAfter` consecutive failed connect attempts
 *   (refused, timed out, or closed before CONNACK) it moves to the next endpoint of
 *   [broker, ...failover], round robin (back to the primary after the last), keeping its
 *   reconnect strategy's backoff; each move counts one `failovers` (fleet metric). A CONNACK
 *   resets the count. `sink.brokers` subscribes at each broker (instead of `sink.broker`) with
 *   one accounting: a message delivered via either counts once, a second copy is a duplicate.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { SquallError } from '../engine/core/errors.js';
import { Duration, DurationAtLeast, Percent, Rate } from '../engine/core/unit-schemas.js';
import type { BrokerTarget, DeviceEngineInput, DeviceGroupInput } from './engine-config.js';
import { parseBrokerUrl } from './engine-config.js';
import { RECONNECT_STRATEGIES } from './reconnect.js';
import type { PinnedTenant } from './tenants.js';

const Qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);
const Template = (vars: string) =>
  z
    .string()
    .min(1)
    .meta({ description: `a template; placeholders: ${vars}` });
const DeviceTemplate = Template('{index}, {tenant}, {group}');

/** `3.1.1` (as YAML writes it, a string), `5`, or `"5"`. */
const Protocol = z
  .union([z.literal('3.1.1'), z.literal('5'), z.literal(5), z.literal(4), z.literal('4')])
  .transform((v): 4 | 5 => (v === 5 || v === '5' ? 5 : 4))
  .meta({ description: "MQTT protocol: '3.1.1' or 5" });

/** Devices one fleet (and one group) may have: 10× the largest we have run (bench/testbed-100k). */
export const MAX_DEVICES = 1_000_000;

export const TelemetrySpec = z.strictObject({
  every: DurationAtLeast(1),
  qos: Qos.default(0),
  payloadBytes: z.number().int().min(17).max(268_435_000).default(64),
  topic: DeviceTemplate.default('t/{tenant}/{index}'),
  phase: z
    .enum(['spread', 'aligned'])
    .default('spread')
    .meta({ description: 'spread: per-device phase offsets; aligned: every device at once (bursts)' }),
  payload: z.string().default('compact').meta({
    description:
      "'compact' (binary index/seq/time) or a JSON template with {index} {seq} {ts} {tenant} {pad}",
  }),
  retain: z.boolean().default(false),
  offline: z
    .enum(['drop', 'pause'])
    .default('drop')
    .meta({ description: 'a reading due while offline is lost (drop) or not taken (pause)' }),
  maxInflight: z.number().int().min(1).max(65_535).default(64),
});

export const ReconnectSpec = z.strictObject({
  strategy: z.enum(RECONNECT_STRATEGIES),
  base: Duration.prefault('1s'),
  cap: Duration.prefault('60s'),
  maxAttempts: z.number().int().min(0).max(1_000_000).default(0).meta({ description: '0 = never give up' }),
  resetAfter: Duration.prefault('0s').meta({ description: 'a connection up this long resets the backoff' }),
});

const WillSpec = z.strictObject({
  topic: DeviceTemplate,
  payload: z.string().default(''),
  qos: Qos.default(0),
  retain: z.boolean().default(false),
});

const CommandSpec = z.strictObject({ topic: DeviceTemplate, qos: Qos.default(1) });

/** Fields a group may override. */
const DeviceFields = {
  protocol: Protocol.optional(),
  clientId: DeviceTemplate.optional(),
  username: DeviceTemplate.optional(),
  password: DeviceTemplate.meta({
    description: `a template ({index}, {tenant}, {group}); may be a secret reference, resolved when the run starts: \${env:NAME} or \${file:PATH}`,
  }).optional(),
  clean: z.boolean().optional(),
  sessionExpiry: Duration.optional(),
  // MQTT's keep alive is a two-byte count of seconds (MQTT 3.1.1 §3.1.2.10): at most 65535 s.
  keepalive: Duration.refine((ms) => ms <= 65_535_000, {
    error: 'must be at most 65535s (MQTT keep alive)',
  }).optional(),
  telemetry: TelemetrySpec.optional(),
  commands: z.array(CommandSpec).optional(),
  will: WillSpec.optional(),
  failover: z.array(z.string().min(1)).optional().meta({
    description:
      'endpoints to try after the broker (names from system.brokers or URLs), round robin, after failoverAfter failed connects in a row',
  }),
  failoverAfter: z
    .number()
    .int()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'consecutive failed connects before moving to the next endpoint (default 3)' }),
};

export const DeviceGroupSpec = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { error: 'expected a name of letters, digits, - and _' }),
  devices: z.number().int().min(0).max(MAX_DEVICES),
  tenant: z.string().min(1).optional().meta({
    description:
      "every device of this group belongs to this tenant (e.g. a noisy tenant's devices); fleet.tenants shares cover the other groups",
  }),
  ...DeviceFields,
});

export const TlsSpec = z.strictObject({
  ca: z.string().optional().meta({ description: 'PEM file of the CA(s) to trust (default: the system CAs)' }),
  cert: z.string().optional().meta({ description: 'client certificate PEM file (mutual TLS)' }),
  key: z.string().optional().meta({ description: 'client key PEM file' }),
  servername: z
    .string()
    .optional()
    .meta({ description: 'SNI and certificate name (default: the broker host)' }),
  insecure: z.boolean().default(false).meta({ description: 'skip certificate verification (tests only)' }),
});

export const SinkSpec = z.strictObject({
  broker: z.string().optional().meta({
    description:
      "where the sink subscribes: a name from system.brokers or a URL; default the devices' broker (set it to the cloud when devices go through a gateway)",
  }),
  brokers: z.array(z.string().min(1)).min(1).optional().meta({
    description:
      'subscribe at each of these brokers (e.g. a primary and its standby) instead of broker; one accounting, a second copy counts as a duplicate',
  }),
  topic: z
    .string()
    .optional()
    .meta({ description: 'topic filter; default: the telemetry topic with + and #' }),
  connections: z.number().int().min(1).max(64).default(1),
  qos: Qos.default(1),
  grace: Duration.prefault('5s').meta({
    description: 'how long a sequence gap may stay open before it is lost',
  }),
  protocol: Protocol.optional(),
});

export const FleetSpec = z
  .strictObject({
    devices: z.number().int().min(0).max(MAX_DEVICES).optional(),
    broker: z.string().default('cloud').meta({
      description:
        "a name from system.brokers (the embedded testbed's: cloud, edge-1...), or mqtt://host:port",
    }),
    tls: TlsSpec.optional().meta({ description: 'for mqtts:// brokers' }),
    ...DeviceFields,
    rampUp: Rate.prefault('1000/s'),
    maxConnecting: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .meta({ description: 'handshakes in flight at once' }),
    connectTimeout: DurationAtLeast(1).prefault('30s'),
    tenants: z.record(z.string(), Percent).optional(),
    reconnect: ReconnectSpec.prefault({ strategy: 'full-jitter' }),
    seed: z.number().int().default(1),
    groups: z.array(DeviceGroupSpec).optional(),
    sink: z.union([SinkSpec, z.literal(false)]).prefault({}),
    shards: z
      .union([z.literal('auto'), z.number().int().min(0).max(64)])
      .default('auto')
      .meta({ description: 'child processes (each below the open-files limit); 0 = in this process' }),
    agents: z.array(z.string()).optional().meta({
      description: 'split the devices across these agents (each runs a shard); default: this process',
    }),
    sourceAddresses: z
      .array(z.ipv4())
      .optional()
      .meta({ description: 'loopback source addresses to spread connections over (127.0.0.2 ...)' }),
  })
  .superRefine((spec, ctx) => {
    if (spec.devices === undefined && !spec.groups?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['devices'],
        message: 'required (or list groups with their devices)',
      });
    }
    const groupsSum = (spec.groups ?? []).reduce((a, g) => a + g.devices, 0);
    if (groupsSum > MAX_DEVICES) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups'],
        message: `the groups add up to ${groupsSum} devices; a fleet has at most ${MAX_DEVICES}`,
      });
    }
    if (spec.devices !== undefined && spec.groups?.length) {
      const sum = groupsSum;
      if (sum !== spec.devices) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices'],
          message: `is ${spec.devices} but the groups add up to ${sum}; drop one or make them agree`,
        });
      }
    }
    if (spec.sink !== false && spec.sink.broker !== undefined && spec.sink.brokers !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sink', 'brokers'],
        message: 'set broker or brokers, not both',
      });
    }
    if (spec.tenants) {
      const total = Object.values(spec.tenants).reduce((a, b) => a + b, 0);
      if (Math.abs(total - 1) > 1e-6) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants'],
          message: `shares must add up to 100%, they add up to ${(total * 100).toFixed(2)}%`,
        });
      }
    }
  });

export type FleetSpec = z.output<typeof FleetSpec>;
export type FleetSpecInput = z.input<typeof FleetSpec>;

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
}

/**
 * Turns a parsed `fleet:` section into a `FleetConfig`. `brokers` maps `system.brokers` names
 * to URLs; `broker` may also be a URL itself. TLS files are read relative to `baseDir` (the
 * experiment file's folder).
 */
export function toFleetConfig(
  spec: FleetSpec,
  brokers: Record<string, string> = {},
  baseDir = process.cwd(),
): FleetConfig {
  const urlOf = (name: string, field: string) => {
    const url = brokers[name] ?? name;
    if (!/^[a-z]+:\/\//.test(url) && !brokers[name]) {
      throw new SquallError(
        'SQUALL_FLEET_CONFIG_INVALID',
        `${field}: '${name}' is neither a name in system.brokers (${Object.keys(brokers).join(', ') || 'none'}) nor a URL`,
      );
    }
    return url;
  };
  const url = urlOf(spec.broker, 'fleet.broker');
  const read = (file: string | undefined, field: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(resolvePath(baseDir, file));
    } catch (err) {
      throw new SquallError(
        'SQUALL_FLEET_CONFIG_INVALID',
        `fleet.tls.${field}: cannot read '${file}': ${(err as Error).message}`,
      );
    }
  };
  const t = spec.tls;
  const tlsOptions = t && {
    ca: read(t.ca, 'ca'),
    cert: read(t.cert, 'cert'),
    key: read(t.key, 'key'),
    rejectUnauthorized: !t.insecure,
    ...(t.servername ? { servername: t.servername } : {}),
  };
  const broker = parseBrokerUrl(url, tlsOptions);
  if (t && !broker.tls) {
    throw new SquallError(
      'SQUALL_FLEET_CONFIG_INVALID',
      `fleet.tls is set but the broker '${url}' is not mqtts://`,
    );
  }
  type Fields = Partial<Pick<FleetSpec, keyof typeof DeviceFields>>;
  const group = (name: string, devices: number, own: Fields): DeviceGroupInput => {
    const f: Fields = { ...pickDefined(spec), ...pickDefined(own) };
    const t = f.telemetry;
    return {
      name,
      count: devices,
      protocolVersion: f.protocol ?? 4,
      clientId: f.clientId ?? (name === 'default' ? 'dev-{index}' : `${name}-{index}`),
      username: f.username,
      password: f.password,
      clean: f.clean ?? true,
      sessionExpiryS: f.sessionExpiry === undefined ? undefined : Math.round(f.sessionExpiry / 1000),
      keepaliveS: f.keepalive === undefined ? 60 : Math.round(f.keepalive / 1000),
      will: f.will,
      subscriptions: f.commands ?? [],
      ...(f.failover && {
        failover: f.failover.map((n, i) =>
          parseBrokerUrl(
            urlOf(n, `fleet.${name === 'default' ? '' : `groups.${name}.`}failover[${i}]`),
            tlsOptions,
          ),
        ),
      }),
      ...(f.failoverAfter !== undefined && { failoverAfter: f.failoverAfter }),
      telemetry: t && {
        intervalMs: t.every,
        qos: t.qos,
        payloadBytes: t.payloadBytes,
        topic: t.topic,
        phase: t.phase,
        payloadTemplate: t.payload === 'compact' ? undefined : t.payload,
        retain: t.retain,
        offline: t.offline,
        maxInflight: t.maxInflight,
      },
    };
  };
  const groups = spec.groups?.length
    ? spec.groups.map((g) => group(g.name, g.devices, g))
    : [group('default', spec.devices ?? 0, {})];
  const telemetryTopic = groups.find((g) => g.telemetry)?.telemetry?.topic;
  // Global index ranges, fixed here before any split into agents or shards.
  const pinnedTenants: PinnedTenant[] = [];
  let first = 0;
  for (const g of spec.groups ?? []) {
    if (g.tenant !== undefined && g.devices > 0)
      pinnedTenants.push({ first, count: g.devices, tenant: g.tenant });
    first += g.devices;
  }
  return {
    engine: {
      broker,
      groups,
      tenants: Object.entries(spec.tenants ?? {}).map(([name, share]) => ({ name, share })),
      ...(pinnedTenants.length > 0 && { pinnedTenants }),
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
      spec.sink === false || !telemetryTopic
        ? false
        : {
            ...(spec.sink.broker !== undefined && {
              broker: parseBrokerUrl(urlOf(spec.sink.broker, 'fleet.sink.broker'), tlsOptions),
            }),
            ...(spec.sink.brokers !== undefined && {
              brokers: spec.sink.brokers.map((n, i) =>
                parseBrokerUrl(urlOf(n, `fleet.sink.brokers[${i}]`), tlsOptions),
              ),
            }),
            topic: spec.sink.topic ?? topicFilterOf(telemetryTopic),
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

function pickDefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
