/** `squall agents ping <address>`: reachability, version, clock offset and drivers of an agent. */
import { resolve } from 'node:path';
import { pingAgent } from '../../controller/ping.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import type { Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';

const help = `Usage: squall agents ping <host:port | unix:path> [options]

Says Hello to an agent (no session, nothing injected) and prints whether it is reachable, its
version and host, the clock offset (agent − this host, from the best of several round trips),
its limits, the fault drivers it offers (with the reason when one is unavailable here) and,
over mTLS, the names on the certificate it presented.

Options:
  --tls-ca file      CA that signed the agent's certificate
  --tls-cert file    This controller's certificate
  --tls-key file     This controller's key
  --name agent       The agent's name: its certificate must carry it (as a run checks the
                     name under agents:); without it any agent certificate from the CA
  --insecure         Plain text (agents started with --insecure: loopback or a unix: socket)
  --samples n        Round trips for the clock estimate (default 5)
  --json             Print the result as JSON
  -h, --help         This help

Exit codes: 0 reachable · 2 bad flags or TLS files · 4 unreachable or refused

Examples:
  squall agents ping 10.0.0.5:7070 --name edge-1 --tls-ca certs/ca.pem --tls-cert certs/squall-controller.pem --tls-key certs/squall-controller.key
  squall agents ping unix:/run/squall/agent.sock --insecure --json
`;

export const agentsCommand: Command = {
  name: 'agents',
  summary: 'Talk to agents: ping <address> (reachability, version, clock offset, drivers)',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    if (positionals[0] !== 'ping' || positionals.length !== 2) {
      throw new SquallError(
        'SQUALL_USAGE',
        positionals[0] && positionals[0] !== 'ping'
          ? `${unknownName('action', positionals[0], ['ping'])} (squall agents ping <host:port | unix:path>)`
          : 'expected: squall agents ping <host:port | unix:path>',
      );
    }
    const address = positionals[1]!;
    const tls =
      values['tls-ca'] || values['tls-cert'] || values['tls-key']
        ? { ca: values['tls-ca'] ?? '', cert: values['tls-cert'] ?? '', key: values['tls-key'] ?? '' }
        : undefined;
    const samples = values.samples === undefined ? 5 : Number(values.samples);
    if (!Number.isInteger(samples) || samples < 1 || samples > 100) {
      throw new SquallError('SQUALL_USAGE', `--samples must be 1..100, got '${values.samples}'`);
    }
    const result = await pingAgent(
      address,
      { address, ...(tls ? { tls } : {}), ...(values.insecure ? { insecure: true } : {}) },
      { baseDir: resolve(io.cwd), samples, ...(values.name ? { expectName: values.name } : {}) },
    );
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return ExitCode.ok;
    }
    io.stdout.write(
      `${address}: reachable, squall ${result.version} on ${result.host}\n` +
        (result.certificate ? `  certificate for ${result.certificate}\n` : '') +
        `  clock offset ${result.clockOffsetMs.toFixed(1)} ms (±${(result.rttMs / 2).toFixed(1)} ms, rtt ${result.rttMs.toFixed(1)} ms)\n` +
        (result.limits
          ? `  limits: maxDuration ${result.limits.max_duration_ms} ms, maxConcurrentFaults ${result.limits.max_concurrent_faults}, active ${result.activeFaults}\n`
          : `  limits: not reported, active ${result.activeFaults}\n`) +
        result.unrecoveredAtStart
          .map((u) => `  NOT REVERTED at start-up (left by a previous agent process): ${u}\n`)
          .join('') +
        `  drivers:\n${result.drivers
          .map(
            (d) =>
              `    ${d.available ? '✓' : '✗'} ${d.name.padEnd(18)} ${d.available ? d.summary : d.unavailable_reason}`,
          )
          .join('\n')}\n`,
    );
    return ExitCode.ok;
  },
};

function parse(argv: string[]) {
  return parseFlags('agents', argv, {
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    insecure: { type: 'boolean' },
    name: { type: 'string' },
    samples: { type: 'string' },
    json: { type: 'boolean' },
  });
}
