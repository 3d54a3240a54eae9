/**
 * `squall fleet`'s flags as a `fleet:` section: each flag sets one field of a FleetSpec input,
 * which goes through the experiment's own schema (engine/spec/fleet-spec.ts) and
 * `toFleetConfig`, so the flags have the schema's defaults, ranges and messages. A problem
 * found there is reported under the flag that set the field (`--qos: expected 0, 1 or 2`).
 * What the schema cannot know stays here: the mode's shape (conn has no telemetry, sub only a
 * sink) and the defaults of fields a spec must give (devices, the telemetry interval).
 */

import { type FleetConfig, FleetConfigError, toFleetConfig } from '../../../simulator/fleet-config.js';
import { SquallError } from '../../core/errors.js';
import { withDefaultScheme } from '../../spec/broker-url.js';
import { FleetSpec, type FleetSpecInput } from '../../spec/fleet-spec.js';
import { noSourceMap } from '../../spec/source-map.js';
import { friendlyZodError, specIssuesFromZod } from '../../spec/zod-issues.js';
import { parseFlags } from '../cli/flags.js';
import type { FleetMode } from './fleet-report.js';

const FLEET_OPTIONS = {
  broker: { type: 'string' },
  count: { type: 'string', short: 'c' },
  rate: { type: 'string' },
  'max-connecting': { type: 'string' },
  'connect-timeout': { type: 'string' },
  protocol: { type: 'string' },
  'client-id': { type: 'string' },
  username: { type: 'string', short: 'u' },
  password: { type: 'string', short: 'P' },
  persistent: { type: 'boolean' },
  keepalive: { type: 'string' },
  cafile: { type: 'string' },
  insecure: { type: 'boolean' },
  'source-addresses': { type: 'string' },
  failover: { type: 'string' },
  'failover-after': { type: 'string' },
  'sink-brokers': { type: 'string' },
  shards: { type: 'string' },
  interval: { type: 'string' },
  qos: { type: 'string' },
  size: { type: 'string' },
  phase: { type: 'string' },
  topic: { type: 'string' },
  payload: { type: 'string' },
  tenants: { type: 'string' },
  reconnect: { type: 'string' },
  base: { type: 'string' },
  cap: { type: 'string' },
  'max-attempts': { type: 'string' },
  'reset-after': { type: 'string' },
  seed: { type: 'string' },
  'no-sink': { type: 'boolean' },
  'sink-connections': { type: 'string' },
  grace: { type: 'string' },
  duration: { type: 'string' },
  'fail-after': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseFleetFlags(argv: string[]) {
  return parseFlags('fleet', argv, FLEET_OPTIONS);
}
export type FleetFlags = ReturnType<typeof parseFleetFlags>['values'];
type FlagName = keyof FleetFlags;

/** Where a flag goes in the section (a dotted path) and how its text becomes that field's input. */
interface FlagField {
  flag: FlagName;
  path: string;
  value: (text: string) => unknown;
}

const text = (v: string) => v;
/** A number when the text is one; otherwise the text, for the schema to say what it expected. */
const number = (v: string): unknown => (/^\s*[+-]?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v);
const list = (v: string) =>
  v
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
/** The flags take `host:port` for mqtt://host:port; the section wants a URL (or a broker name). */
const brokerList = (v: string) => list(v).map(withDefaultScheme);
const tenantShares = (v: string) =>
  Object.fromEntries(
    v.split(',').map((pair) => {
      const [name, share] = pair.split('=');
      if (!name || !share)
        throw new SquallError('SQUALL_USAGE', `--tenants: expected name=NN%, got '${pair}'`);
      return [name.trim(), share.trim()];
    }),
  );
const set = (value: unknown) => () => value;

/** The flags every mode reads. */
const COMMON: FlagField[] = [
  { flag: 'broker', path: 'broker', value: withDefaultScheme },
  { flag: 'rate', path: 'rampUp', value: text },
  { flag: 'max-connecting', path: 'maxConnecting', value: number },
  { flag: 'connect-timeout', path: 'connectTimeout', value: text },
  { flag: 'protocol', path: 'protocol', value: text },
  { flag: 'client-id', path: 'clientId', value: text },
  { flag: 'username', path: 'username', value: text },
  { flag: 'password', path: 'password', value: text },
  { flag: 'persistent', path: 'clean', value: set(false) },
  { flag: 'keepalive', path: 'keepalive', value: text },
  { flag: 'cafile', path: 'tls.ca', value: text },
  { flag: 'insecure', path: 'tls.insecure', value: set(true) },
  { flag: 'source-addresses', path: 'sourceAddresses', value: list },
  { flag: 'failover', path: 'failover', value: brokerList },
  { flag: 'failover-after', path: 'failoverAfter', value: number },
  { flag: 'shards', path: 'shards', value: (v) => (v === 'auto' ? v : number(v)) },
  { flag: 'tenants', path: 'tenants', value: tenantShares },
  { flag: 'reconnect', path: 'reconnect.strategy', value: text },
  { flag: 'base', path: 'reconnect.base', value: text },
  { flag: 'cap', path: 'reconnect.cap', value: text },
  { flag: 'max-attempts', path: 'reconnect.maxAttempts', value: number },
  { flag: 'reset-after', path: 'reconnect.resetAfter', value: text },
  { flag: 'seed', path: 'seed', value: number },
];

/** The sink's flags (pub, sub); with one sink connection the sink speaks the devices' --protocol. */
const SINK: FlagField[] = [
  { flag: 'grace', path: 'sink.grace', value: text },
  { flag: 'sink-brokers', path: 'sink.brokers', value: brokerList },
  { flag: 'protocol', path: 'sink.protocol', value: text },
];

const MODE_FIELDS: Record<FleetMode, FlagField[]> = {
  conn: [...COMMON, { flag: 'count', path: 'devices', value: number }],
  pub: [
    ...COMMON,
    ...SINK,
    { flag: 'count', path: 'devices', value: number },
    { flag: 'interval', path: 'telemetry.every', value: text },
    { flag: 'qos', path: 'telemetry.qos', value: number },
    { flag: 'size', path: 'telemetry.payloadBytes', value: number },
    { flag: 'phase', path: 'telemetry.phase', value: text },
    { flag: 'topic', path: 'telemetry.topic', value: text },
    { flag: 'payload', path: 'telemetry.payload', value: text },
    { flag: 'sink-connections', path: 'sink.connections', value: number },
  ],
  // Only the sink: -c counts its connections, --topic is its filter.
  sub: [
    ...COMMON,
    ...SINK,
    { flag: 'count', path: 'sink.connections', value: number },
    { flag: 'qos', path: 'sink.qos', value: number },
    { flag: 'topic', path: 'sink.topic', value: text },
  ],
};

/** What a mode fills in before the flags: the fields a spec must give, and its shape. */
function modeBase(mode: FleetMode, noSink: boolean): Record<string, unknown> {
  if (mode === 'sub') return { devices: 0, sink: { topic: 't/#' } };
  const base = { devices: 1000, ...(mode === 'pub' && { telemetry: { every: '1s' } }) };
  return mode === 'conn' || noSink ? { ...base, sink: false } : base;
}

/** The section the flags describe in `mode`. */
function fleetSpecInputFromFlags(mode: FleetMode, values: FleetFlags): FleetSpecInput {
  const input = modeBase(mode, values['no-sink'] === true);
  for (const field of fieldsGiven(mode, values)) {
    if (field.path.startsWith('sink.') && input.sink === false) continue;
    setAt(input, field.path.split('.'), field.value(values[field.flag] as string));
  }
  return input as FleetSpecInput;
}

/**
 * The fleet config the flags describe: parsed by the fleet schema, then `toFleetConfig` (no
 * broker names: every broker is a URL). Throws SQUALL_USAGE naming the flag on any bad value.
 */
export function fleetConfigFromFlags(mode: FleetMode, values: FleetFlags): FleetConfig {
  if (!values.broker)
    throw new SquallError('SQUALL_USAGE', '--broker is required, e.g. --broker mqtt://127.0.0.1:1883');
  const input = fleetSpecInputFromFlags(mode, values);
  const parsed = FleetSpec.safeParse(input, { error: friendlyZodError });
  if (!parsed.success) {
    const issues = specIssuesFromZod(parsed.error.issues, {
      schema: FleetSpec,
      input,
      source: noSourceMap(),
    });
    const messages = issues.map((i) => flagMessage(mode, values, i.path, i.message));
    throw usage([...new Set(messages)].join('; '));
  }
  let config: FleetConfig;
  try {
    config = toFleetConfig(parsed.data);
  } catch (err) {
    if (!(err instanceof FleetConfigError)) throw err;
    throw usage(flagMessage(mode, values, err.field, err.detail));
  }
  // `fleet sub` joins a stream already running: its sequences start wherever it first sees them.
  return config.sink && mode === 'sub'
    ? { ...config, sink: { ...config.sink, firstSeq: 'first-seen' } }
    : config;
}

function fieldsGiven(mode: FleetMode, values: FleetFlags): FlagField[] {
  return MODE_FIELDS[mode].filter((f) => values[f.flag] !== undefined && values[f.flag] !== false);
}

/**
 * `message` about the section's field at `path` (`telemetry.qos`, `failover[1]`), under the flag
 * the user typed for it; a field no flag set (a mode's own value) keeps its section path.
 */
function flagMessage(mode: FleetMode, values: FleetFlags, path: string, message: string): string {
  const field = path.replace(/\[\d+\]/g, '');
  const given = fieldsGiven(mode, values);
  const flag =
    given.find((f) => f.path === field) ??
    // A problem with a whole section (`tls`) belongs to the flag that set a field of it.
    given.find((f) => f.path.startsWith(`${field}.`));
  // Flags are text: `got '3'` rather than the schema's `got the number 3`.
  const worded = message.replace(/\bthe number (-?[\d.]+(?:e[+-]?\d+)?)/g, "'$1'");
  return flag ? `--${flag.flag}: ${worded}` : `fleet.${path}: ${worded}`;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const next = target[head];
  const child = next !== null && typeof next === 'object' ? (next as Record<string, unknown>) : {};
  target[head] = child;
  setAt(child, rest, value);
}

const usage = (message: string) => new SquallError('SQUALL_USAGE', message);
