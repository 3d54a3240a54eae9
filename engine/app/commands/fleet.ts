/**
 * `squall fleet conn|pub|sub`: the fleet simulator on its own, like emqtt-bench — connect a
 * fleet, publish telemetry with end-to-end accounting, or account a stream others publish.
 * Parses argv, binds `createFleet`, prints a live line per second and a summary (or --json).
 */
import { createFleet } from '../../../simulator/fleet.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import { parseDurationMs, type UnitError } from '../../core/units.js';
import { RECONNECT_STRATEGIES } from '../../spec/fleet-parts.js';
import type { CliIO, Command } from '../cli/command.js';
import { unknownName } from '../cli/flags.js';
import { type FleetFlags, fleetConfigFromFlags, parseFleetFlags } from './fleet-flags.js';
import { FLEET_ERROR_HELP, failureMessage, liveLine, summarize, summaryTable } from './fleet-report.js';

const help = `Usage: squall fleet conn|pub|sub --broker <url> [options]

  conn   connect -c devices and keep them connected (keepalive only)
  pub    connect and publish telemetry; a sink subscribes and accounts every message:
         delivered, lost (gaps still missing after --grace), duplicates, out of order, e2e latency
  sub    only the sink: account payloads that another 'squall fleet pub' publishes

Prints one line per second, then a summary table; --json prints the summary as JSON instead.
Runs until --duration or Ctrl-C. The flags set the fields of an experiment's fleet: section and
go through its schema: the same defaults, ranges and messages.

Connection:
  --broker <url>           mqtt://host:port or mqtts://host:port (required)
  -c, --count <n>          devices (conn, pub: 1000); sink connections (sub: 1)
  --rate <r>               connect arrival rate, e.g. 5000/s (default 1000/s)
  --max-connecting <n>     handshakes in flight at once (default 1000)
  --connect-timeout <d>    TCP + CONNACK deadline (default 30s)
  --protocol <v>           3.1.1 or 5 (default 3.1.1)
  --client-id <tpl>        client id template, {index} {tenant} {group} (default dev-{index})
  -u, --username <tpl>     user name template; -P, --password <tpl> password template
  --persistent             clean session off (v5: session expiry 1h)
  --keepalive <d>          keepalive (default 60s)
  --cafile <path>          CA bundle for mqtts://; --insecure skips certificate checks
  --failover <url,url>     endpoints after --broker: a device moves on after --failover-after (default 3)
                           failed connects in a row, round robin, keeping its backoff
  --source-addresses <a,b> local addresses to connect from, e.g. 127.0.0.2,127.0.0.3
  --shards <n|auto>        child processes for the devices (auto: one per 15,000)

Telemetry (pub):
  --interval <d>           per device (default 1s)      --qos <0|1|2>  (default 0; sub: 1)
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

/** Converts a run flag (not part of the fleet section) with a units parser, naming the flag. */
function runFlag(values: FleetFlags, name: 'duration' | 'fail-after', fallbackMs: number): number {
  const raw = values[name];
  if (raw === undefined) return fallbackMs;
  try {
    return parseDurationMs(raw);
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `--${name}: ${(err as UnitError).message}`);
  }
}

export const fleetCommand: Command = {
  name: 'fleet',
  summary: 'Run the MQTT fleet simulator alone: connect, publish with end-to-end accounting, or subscribe',
  help,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseFleetFlags(argv);
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
    const durationMs = runFlag(values, 'duration', Number.POSITIVE_INFINITY);
    const failAfterMs = runFlag(values, 'fail-after', 15_000);
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
