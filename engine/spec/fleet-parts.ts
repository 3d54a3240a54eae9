/**
 * The parts of the experiment's `fleet:` section (fleet-spec.ts) that are sections of their
 * own: telemetry, reconnect, will, commands, TLS and the sink, with the value types they share
 * (QoS, MQTT protocol, device templates). Human units in, code units out (unit-schemas.ts).
 */
import { z } from 'zod';
import { Duration, DurationAtLeast } from '../core/unit-schemas.js';
import { describeValue } from './zod-issues.js';

export const Qos = z.union([z.literal(0), z.literal(1), z.literal(2)], {
  error: (iss) => `expected 0, 1 or 2, got ${describeValue(iss.input)}`,
});

const Template = (vars: string) =>
  z
    .string()
    .min(1)
    .meta({ description: `a template; placeholders: ${vars}` });
export const DeviceTemplate = Template('{index}, {tenant}, {group}');

/** `3.1.1` (as YAML writes it, a string), `5`, or `"5"`. */
export const Protocol = z
  .union([z.literal('3.1.1'), z.literal('5'), z.literal(5), z.literal(4), z.literal('4')], {
    error: (iss) => `expected '3.1.1' or 5, got ${describeValue(iss.input)}`,
  })
  .transform((v): 4 | 5 => (v === 5 || v === '5' ? 5 : 4))
  .meta({ description: "MQTT protocol: '3.1.1' or 5" });

/** Reconnect strategies (simulator/reconnect.ts has the formulas). */
export const RECONNECT_STRATEGIES = [
  'none',
  'immediate',
  'fixed',
  'exponential',
  'full-jitter',
  'equal-jitter',
  'decorrelated-jitter',
] as const;
export type ReconnectStrategyName = (typeof RECONNECT_STRATEGIES)[number];

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
export type TelemetrySpec = z.output<typeof TelemetrySpec>;

export const ReconnectSpec = z.strictObject({
  strategy: z.enum(RECONNECT_STRATEGIES).default('full-jitter'),
  base: Duration.prefault('1s'),
  cap: Duration.prefault('60s'),
  maxAttempts: z.number().int().min(0).max(1_000_000).default(0).meta({ description: '0 = never give up' }),
  resetAfter: Duration.prefault('0s').meta({ description: 'a connection up this long resets the backoff' }),
});

export const WillSpec = z.strictObject({
  topic: DeviceTemplate,
  payload: z.string().default(''),
  qos: Qos.default(0),
  retain: z.boolean().default(false),
});

export const CommandSpec = z.strictObject({ topic: DeviceTemplate, qos: Qos.default(1) });

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
