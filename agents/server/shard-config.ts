/**
 * A fleet shard's configuration as it arrives in a session (`start_shard.fleet_json`): the
 * controller's `FleetConfig` (code units) as JSON. The agent does not trust it to be what a
 * controller's own validation produced: it is parsed against this schema (types, and bounds on
 * everything that costs memory, sockets or processes) before the policy's caps are applied and
 * before `createFleet` sees it. The simulator's own checks (templates, protocol, keepalive)
 * still run in `createFleet`.
 */
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';

/** Most bytes of `fleet_json` the agent parses. */
const MAX_FLEET_JSON_BYTES = 1 << 20;

const Count = z.number().int().min(0).max(10_000_000);
const Port = z.number().int().min(1).max(65_535);
const Text = z.string().max(4096);
const Qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);
const Broker = z.looseObject({
  host: z.string().min(1).max(253),
  port: Port,
  tls: z.looseObject({}).optional(),
});
const Telemetry = z.looseObject({
  intervalMs: z.number().min(1).max(86_400_000).optional(),
  qos: Qos.optional(),
  payloadBytes: z
    .number()
    .int()
    .min(0)
    .max(1 << 20)
    .optional(),
  topic: Text.optional(),
  payloadTemplate: z.string().max(65_536).optional(),
  maxInflight: z.number().int().min(1).max(65_535).optional(),
});
const Group = z.looseObject({
  name: z.string().min(1).max(64).optional(),
  count: Count.optional(),
  clientId: Text.optional(),
  username: Text.optional(),
  password: Text.optional(),
  telemetry: Telemetry.optional(),
  subscriptions: z
    .array(z.looseObject({ topic: Text, qos: Qos }))
    .max(64)
    .optional(),
  failover: z.array(Broker).max(254).optional(),
});
const Engine = z.looseObject({
  broker: Broker,
  failover: z.array(Broker).max(254).optional(),
  groups: z.array(Group).min(1).max(256),
  tenants: z.array(z.unknown()).max(255).optional(),
  pinnedTenants: z.array(z.unknown()).max(256).optional(),
  firstIndex: Count.optional(),
  connectRatePerS: z.number().positive().max(1_000_000).optional(),
  maxInflightConnects: z.number().int().min(1).max(100_000).optional(),
  maxInflightReconnects: z.number().int().min(1).max(100_000).optional(),
  connectTimeoutMs: z.number().positive().max(600_000).optional(),
  localAddresses: z.array(z.string().max(64)).max(1024).optional(),
  tickMs: z.number().min(1).max(1000).optional(),
  bucketMs: z.number().int().min(10).max(60_000).optional(),
  clockOffsetMs: z.number().min(-86_400_000).max(86_400_000).optional(),
  sinkTopicFilter: Text.optional(),
});
const Sink = z.union([
  z.literal(false),
  z.looseObject({
    topic: Text,
    connections: z.number().int().min(1).max(64),
    qos: Qos,
    graceMs: z.number().min(0).max(600_000),
    broker: Broker.optional(),
    brokers: z.array(Broker).max(16).optional(),
  }),
]);

const ShardConfigSchema = z.strictObject({
  engine: Engine,
  sink: Sink,
  /** Simulator worker processes for this shard; capped again by the policy's fleet.maxWorkers. */
  shards: z.union([z.literal('auto'), z.number().int().min(0).max(1024)]),
});

/** Parses and validates `fleet_json`; SQUALL_FLEET_CONFIG_INVALID naming the field otherwise. */
export function parseShardConfig(json: string): FleetConfig {
  if (Buffer.byteLength(json) > MAX_FLEET_JSON_BYTES) {
    throw new SquallError(
      'SQUALL_FLEET_CONFIG_INVALID',
      `fleet_json is ${Buffer.byteLength(json)} bytes; the agent takes at most ${MAX_FLEET_JSON_BYTES}`,
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    throw new SquallError('SQUALL_FLEET_CONFIG_INVALID', 'fleet_json is not JSON');
  }
  const parsed = ShardConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SquallError(
      'SQUALL_FLEET_CONFIG_INVALID',
      `fleet_json ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data as unknown as FleetConfig;
}

/** Devices a shard config asks for (groups without a count have one device, as in the simulator). */
export function shardDevices(config: { engine: { groups: { count?: number }[] } }): number {
  return config.engine.groups.reduce((n, g) => n + (g.count ?? 1), 0);
}
