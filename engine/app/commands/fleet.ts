/**
 * `squall fleet conn|pub|sub`: the fleet simulator on its own, like emqtt-bench — connect a
 * fleet, publish telemetry with end-to-end accounting, or account a stream others publish.
 * Parses argv, binds `createFleet`, prints a live line per second and a summary (or --json).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { parseBrokerUrl } from '../../../simulator/engine-config.js';
import { createFleet } from '../../../simulator/fleet.js';
import { type FleetConfig, topicFilterOf } from '../../../simulator/fleet-spec.js';
import { RECONNECT_STRATEGIES, type ReconnectStrategyName } from '../../../simulator/reconnect.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import { parseDurationMs, parsePercent, parseRatePerS, UnitError } from '../../core/units.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';
import {
  FLEET_ERROR_HELP,
  type FleetMode,
  failureMessage,
  liveLine,
  summarize,
  summaryTable,
} from './fleet-report.js';

const help = `Usage: squall fleet conn|pub|sub --broker <url> [options]

  conn   connect -c devices and keep them connected (keepalive only)
  pub    connect and publish telemetry; a sink subscribes and accounts every message:
         delivered, lost (gaps still missing after --grace), duplicates, out of order, e2e latency
  sub    only the sink: account payloads that another 'squall fleet pub' publishes

Prints one line per second, then a summary table; --json prints the summary as JSON instead.
Runs until --duration or Ctrl-C.

Connection:
  --broker <url>           mqtt://host:port or mqtts://host:port (required)
  -c, --count <n>          devices (conn, pub: 1000); sink connections (sub: 1)
  --rate <r>               connect arrival rate, e.g. 5000/s (default 1000/s)
  --max-connecting <n>     handshakes in flight at once (default 1000)
  --connect-timeout <d>    TCP + CONNACK deadline (default 30s)
  --protocol <v>           3.1.1 or 5 (default 3.1.1)
  --client-id <tpl>        client id template, {index} {tenant} {group} (default squall-{index})
  -u, --username <tpl>     user name template; -P, --password <tpl> password template
  --persistent             clean session off (v5: session expiry 1h)
  --keepalive <d>          keepalive (default 60s)
  --cafile <path>          CA bundle for mqtts://; --insecure skips certificate checks
  --failover <url,url>     endpoints after --broker: a device moves on after --failover-after (default 3)
                           failed connects in a row, round robin, keeping its backoff
  --source-addresses <a,b> local addresses to connect from, e.g. 127.0.0.2,127.0.0.3
  --shards <n|auto>        child processes for the devices (auto: one per 15,000)

Telemetry (pub):
  --interval <d>           per device (default 1s)      --qos <0|1|2>  (default 0)
  --size <bytes>           payload size (default 64)    --phase spread|aligned (default spread)
  --topic <tpl>            default t/{tenant}/{index}; for sub, the filter (default t/#)
  --payload <json>         a JSON template with {index} {seq} {ts} {tenant} {pad} (default: compact binary)
  --tenants <list>         e.g. acme=80%,globex=20%

Reconnect:
  --reconnect <strategy>   ${RECONNECT_STRATEGIES.join(', ')} (default full-jitter)
  --base <d> --cap <d>     backoff base and cap (default 1s, 60s)
  --max-attempts <n>       give up after n failures (default 0: never)
  --reset-after <d>        a connection up this long resets the backoff (default 0s)
  --seed <n>               seed of the jitter (default 1)

Sink (pub, sub):
  --no-sink                pub without a sink   --sink-connections <n>  (shared subscription when > 1)
  --grace <d>              how long a gap may stay open before it counts as lost (default 5s)
  --sink-brokers <url,url> subscribe at each (e.g. primary and standby), one accounting (default --broker)

Run:
  --duration <d>           stop after this long     --fail-after <d>  give up when nothing connects (default 15s)
  --json                   print the summary as JSON
  -h, --help               this help

Exit codes: 0 done · 2 bad usage · 4 the fleet could not connect (codes below)
${FLEET_ERROR_HELP}

Examples:
  squall fleet conn --broker mqtt://127.0.0.1:1883 -c 100000 --rate 5000/s --shards auto
  squall fleet pub --broker mqtt://127.0.0.1:1883 -c 1000 --interval 1s --qos 1 --duration 60s
  squall fleet sub --broker mqtt://127.0.0.1:1883 --topic 't/#' --qos 1 --json
`;

const OPTIONS = {
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

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseFlags('fleet', argv, OPTIONS);
}

/** Converts a flag with a units parser, naming the flag in the message. */
function flag<T>(values: Values, name: keyof Values, parse: (v: string) => T, fallback: T): T {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return fallback;
  try {
    return parse(raw);
  } catch (err) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--${name}: ${err instanceof UnitError ? err.message : (err as Error).message}`,
    );
  }
}
const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`expected an integer ${min}..${max}, got '${v}'`);
  return n;
};
const oneOf =
  <T extends string>(choices: readonly T[]) =>
  (v: string): T => {
    if (!choices.includes(v as T)) throw new Error(`expected one of ${choices.join(', ')}, got '${v}'`);
    return v as T;
  };

const urls = (list: string, tls?: ConnectionOptions) =>
  list
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
    .map((u) => parseBrokerUrl(u, tls));

/** Builds the fleet config from flags; throws SQUALL_USAGE on any bad value. */
export function fleetConfigFromFlags(mode: FleetMode, values: Values): FleetConfig {
  if (!values.broker)
    throw new SquallError('SQUALL_USAGE', '--broker is required, e.g. --broker mqtt://127.0.0.1:1883');
  const tlsOptions =
    values.cafile || values.insecure
      ? {
          ca: values.cafile ? readFileSync(values.cafile) : undefined,
          rejectUnauthorized: !values.insecure,
        }
      : undefined;
  const broker = flag(values, 'broker', (v) => parseBrokerUrl(v, tlsOptions), parseBrokerUrl('x:1'));
  const count = flag(values, 'count', int(0, 10_000_000), mode === 'sub' ? 1 : 1000);
  const protocolVersion =
    flag(values, 'protocol', (v) => oneOf(['3.1.1', '5', '4'] as const)(v), '3.1.1') === '5' ? 5 : 4;
  const qos = flag(values, 'qos', int(0, 2), 0) as 0 | 1 | 2;
  const tenants = flag(
    values,
    'tenants',
    (v) =>
      v.split(',').map((pair) => {
        const [name, share] = pair.split('=');
        if (!name || !share) throw new Error(`expected name=NN%, got '${pair}'`);
        return { name: name.trim(), share: parsePercent(share.trim()) };
      }),
    [] as Array<{ name: string; share: number }>,
  );
  const topic = values.topic ?? (mode === 'sub' ? 't/#' : 't/{tenant}/{index}');
  const persistent = values.persistent === true;
  const sinkConnections = mode === 'sub' ? count : flag(values, 'sink-connections', int(1, 64), 1);
  const graceMs = flag(values, 'grace', parseDurationMs, 5000);
  return {
    engine: {
      broker,
      connectRatePerS: flag(values, 'rate', parseRatePerS, 1000),
      maxInflightConnects: flag(values, 'max-connecting', int(1, 1_000_000), 1000),
      connectTimeoutMs: flag(values, 'connect-timeout', parseDurationMs, 30_000),
      tenants,
      seed: flag(values, 'seed', int(-(2 ** 31), 2 ** 32 - 1), 1),
      localAddresses: values['source-addresses']?.split(',').map((a) => a.trim()),
      failover: flag(values, 'failover', (v) => urls(v, tlsOptions), []),
      failoverAfter: flag(values, 'failover-after', int(1, 255), 3),
      reconnect: {
        strategy: flag(
          values,
          'reconnect',
          oneOf(RECONNECT_STRATEGIES),
          'full-jitter' as ReconnectStrategyName,
        ),
        baseMs: flag(values, 'base', parseDurationMs, 1000),
        capMs: flag(values, 'cap', parseDurationMs, 60_000),
        maxAttempts: flag(values, 'max-attempts', int(0, 65_535), 0),
        resetAfterMs: flag(values, 'reset-after', parseDurationMs, 0),
      },
      groups: [
        {
          name: 'default',
          count: mode === 'sub' ? 0 : count,
          protocolVersion,
          clientId: values['client-id'] ?? 'squall-{index}',
          username: values.username,
          password: values.password,
          clean: !persistent,
          keepaliveS: Math.round(flag(values, 'keepalive', parseDurationMs, 60_000) / 1000),
          telemetry:
            mode === 'pub'
              ? {
                  intervalMs: flag(values, 'interval', parseDurationMs, 1000),
                  qos,
                  payloadBytes: flag(values, 'size', int(17, 268_435_000), 64),
                  topic,
                  phase: flag(values, 'phase', oneOf(['spread', 'aligned'] as const), 'spread'),
                  payloadTemplate: values.payload,
                }
              : undefined,
        },
      ],
    },
    sink:
      mode === 'conn' || values['no-sink']
        ? false
        : {
            topic: mode === 'sub' ? topic : topicFilterOf(topic),
            connections: sinkConnections,
            qos: mode === 'sub' ? qos : 1, // QoS 1 to the sink: the broker delivers at the publish QoS at most
            graceMs,
            protocolVersion: sinkConnections > 1 ? 5 : protocolVersion,
            firstSeq: mode === 'sub' ? 'first-seen' : 'zero',
            ...(values['sink-brokers'] && {
              brokers: flag(values, 'sink-brokers', (v) => urls(v, tlsOptions), []),
            }),
          },
    shards: flag(
      values,
      'shards',
      (v) => (v === 'auto' ? 'auto' : int(0, 64)(v)),
      mode === 'sub' ? 0 : 'auto',
    ),
  };
}

export const fleetCommand: Command = {
  name: 'fleet',
  summary: 'Run the MQTT fleet simulator alone: connect, publish with end-to-end accounting, or subscribe',
  help,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parse(argv);
    if (values.help) {
      io.stdout.write(help);
      return ExitCode.ok;
    }
    const mode = positionals[0];
    if (mode !== 'conn' && mode !== 'pub' && mode !== 'sub') {
      throw new SquallError(
        'SQUALL_USAGE',
        mode === undefined
          ? 'expected a mode: squall fleet conn|pub|sub'
          : unknownName('mode', mode, ['conn', 'pub', 'sub']),
      );
    }
    const config = fleetConfigFromFlags(mode, values);
    const durationMs = flag(values, 'duration', parseDurationMs, Number.POSITIVE_INFINITY);
    const failAfterMs = flag(values, 'fail-after', parseDurationMs, 15_000);
    const json = values.json === true;
    const tty = io.stdout.isTTY === true && !json;

    const fleet = createFleet(config, {
      onShardCrash: (c) =>
        io.stderr.write(
          `\nSQUALL_FLEET_SHARD_CRASHED: shard ${c.shard} (devices ${c.firstIndex}–${c.firstIndex + c.devices - 1}) ` +
            `died (${c.signal ?? `exit code ${c.exitCode}`}); its ${c.devices} devices are counted as lost\n`,
        ),
    });
    const startedMs = Date.now();
    await fleet.start();
    let stoppedBy = 'duration';
    await new Promise<void>((resolve) => {
      let second = 0;
      let noneSinceMs: number | undefined;
      const timer = setInterval(() => {
        second++;
        const reading = fleet.collect();
        const snap = fleet.snapshot();
        if (!json) {
          const line = liveLine(mode, second, reading, snap);
          io.stdout.write(tty ? `\r${line.slice(0, (io.stdout.columns ?? 200) - 1)}\x1b[K` : `${line}\n`);
        }
        const stuck = mode !== 'sub' && snap.target > 0 && snap.connected === 0 && snap.failures.length > 0;
        noneSinceMs = stuck ? (noneSinceMs ?? Date.now()) : undefined;
        if (noneSinceMs !== undefined && Date.now() - noneSinceMs >= failAfterMs) {
          stoppedBy = 'fail-after';
          finish();
        } else if (Date.now() - startedMs >= durationMs) finish();
      }, 1000);
      const onAbort = () => {
        stoppedBy = 'signal';
        finish();
      };
      function finish() {
        clearInterval(timer);
        io.signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      if (io.signal?.aborted) onAbort();
      else io.signal?.addEventListener('abort', onAbort);
    });
    if (tty) io.stdout.write('\n');
    const connectedAtEnd = fleet.snapshot().connected;
    await fleet.stop();
    const snap = { ...fleet.snapshot(), connected: connectedAtEnd };
    const summary = summarize(mode, Math.round((Date.now() - startedMs) / 1000), snap, fleet.runTotals());
    io.stdout.write(json ? `${JSON.stringify({ ...summary, stoppedBy }, null, 2)}\n` : summaryTable(summary));
    // Nothing connected, or a shard died: the run failed, with the top cause's code.
    const fatal =
      snap.failures.find((f) => f.cause === 'shard') ??
      (snap.connected === 0 && snap.totals.connect_ok === 0 ? snap.failures[0] : undefined);
    if (fatal && mode !== 'sub') {
      const { code, message } = failureMessage(fatal, snap.target);
      throw new SquallError(code, message);
    }
    return ExitCode.ok;
  },
};
