/**
 * The experiment's `fleet:` section as a zod 4 schema, in human units (`10s`, `5000/s`, `80%`);
 * its sections (telemetry, reconnect, sink, ...) are in fleet-parts.ts. The one fleet schema:
 * experiments and `squall fleet`'s flags (engine/app/commands/fleet-flags.ts) both go through
 * it, and simulator/fleet-config.ts turns a parsed section into the engine's code units.
 *
 *   fleet:
 *     devices: 100000
 *     broker: cloud                      # a name from system.brokers, or a URL
 *     clientId: "dev-{index}"            # the default; a group's is "<group>-{index}"
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
import { z } from 'zod';
import { Duration, DurationAtLeast, Percent, Rate } from '../core/unit-schemas.js';
import {
  CommandSpec,
  DeviceTemplate,
  Protocol,
  ReconnectSpec,
  SinkSpec,
  TelemetrySpec,
  TlsSpec,
  WillSpec,
} from './fleet-parts.js';
import { describeValue } from './zod-issues.js';

/** Devices one fleet (and one group) may have: 10× the largest we have run (bench/testbed-100k). */
const MAX_DEVICES = 1_000_000;

/** Fields a group may override; unset in both the group and the fleet, DEVICE_DEFAULTS apply. */
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
export type DeviceFieldName = keyof typeof DeviceFields;

/**
 * What a device field is when neither its group nor the fleet sets it. Not zod defaults: a
 * group's unset field inherits the fleet's, so only the two together can fall back. The
 * session expiry's default depends on `clean` (simulator/engine-config.ts).
 */
export const DEVICE_DEFAULTS = { protocol: 4, clean: true, keepaliveMs: 60_000, failoverAfter: 3 } as const;

/** The client id template of a group that sets none: `dev-{index}`, or `<group>-{index}` for a named group. */
export function defaultClientId(group: string): string {
  return group === 'default' ? 'dev-{index}' : `${group}-{index}`;
}

const DeviceGroupSpec = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { error: 'expected a name of letters, digits, - and _' }),
  devices: z.number().int().min(0).max(MAX_DEVICES),
  tenant: z.string().min(1).optional().meta({
    description:
      "every device of this group belongs to this tenant (e.g. a noisy tenant's devices); fleet.tenants shares cover the other groups",
  }),
  ...DeviceFields,
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
    reconnect: ReconnectSpec.prefault({}),
    seed: z.number().int().default(1),
    groups: z.array(DeviceGroupSpec).optional(),
    sink: z.union([SinkSpec, z.literal(false)]).prefault({}),
    shards: z
      .union([z.literal('auto'), z.number().int().min(0).max(64)], {
        error: (iss) => `expected 'auto' or a whole number 0–64, got ${describeValue(iss.input)}`,
      })
      .default('auto')
      .meta({ description: 'child processes (each below the open-files limit); 0 = in this process' }),
    agents: z
      .union([z.literal('discover'), z.array(z.string())], {
        error: "expected a list of agent names, or 'discover' (every agent agents.discover finds)",
      })
      .optional()
      .meta({
        description:
          "split the devices across these agents (each runs a shard), or 'discover': every agent agents.discover finds; default: this process",
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
    if (spec.devices !== undefined && spec.groups?.length && groupsSum !== spec.devices) {
      ctx.addIssue({
        code: 'custom',
        path: ['devices'],
        message: `is ${spec.devices} but the groups add up to ${groupsSum}; drop one or make them agree`,
      });
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
/** A `fleet:` section before parsing (human units as text); what `squall fleet` builds from its flags. */
export type FleetSpecInput = z.input<typeof FleetSpec>;

/**
 * The schema's defaults in code units (a section with nothing but `devices`), for engine
 * configs built in code rather than from a spec (simulator/engine-config.ts, reconnect.ts).
 */
export const FLEET_DEFAULTS: FleetSpec = FleetSpec.parse({ devices: 0 });
