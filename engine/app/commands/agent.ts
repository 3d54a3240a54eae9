/**
 * `squall agent`: the thin entry point of the gRPC agent. Parses flags, starts the proxies it
 * hosts, binds `createAgentServer`, and on SIGINT/SIGTERM reverts every active fault and stops.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AGENT_PROCESS_TITLE } from '../../../agents/faults/process-guard.js';
import type { FaultProxy } from '../../../agents/proxy/fault-proxy.js';
import { startProxies, stopProxies } from '../../../agents/proxy/start-proxies.js';
import { createToxiproxyApi } from '../../../agents/proxy/toxiproxy-api.js';
import {
  type AgentProcesses,
  loadAgentConfig,
  startAgentProcesses,
} from '../../../agents/server/agent-config.js';
import { createAgentServer, readTlsFiles, splitAddress } from '../../../agents/server/agent-server.js';
import type { Recovery } from '../../../agents/server/fault-table.js';
import { createHealthServer } from '../../../agents/server/health.js';
import { checkPlainTextListen } from '../../../agents/server/plain-text.js';
import { DEFAULT_POLICY, loadPolicyFile } from '../../../agents/server/policy.js';
import { createReachGate } from '../../../agents/server/policy-reach.js';
import { isLoopback } from '../../core/addresses.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import type { ManagedProcess } from '../../core/faults.js';
import type { Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';

const help = `Usage: squall agent [options]

Runs the fault-injection agent: a gRPC server (mTLS by default) that injects and reverts faults
for an authorised controller, under a lease (no heartbeat for the session's ttl, or the
controller's connection closed: everything that session injected is reverted) and a hard
deadline per fault. Every fault is written to the ledger before it is applied; at start-up,
before it starts its own processes, the agent reverts whatever the ledger still holds (a paused
process only if it is the very process paused: same pid, same start time). It never signals
itself, its ancestors, pid 1, kernel threads or protected processes (policy protectedProcesses);
bare pids and pid files only where the policy's targets.pids allows them. Its managed processes
die with it, kill -9 included. SIGINT/SIGTERM: revert everything, stop within 2 s.

Options:
  --listen host:port     Address to bind (default 127.0.0.1:7070; port 0 picks one), or
                         unix:/path for a Unix socket (its directory must be mode 0700)
  --tls-ca file          CA that signs controller certificates (PEM)
  --tls-cert file        This agent's certificate (PEM)
  --tls-key file         This agent's key (PEM)
  --insecure             Plain text (no controller identity): on a loopback address only, and
                         not at all when the agent runs as root or with capabilities, unless
                         --listen is a unix: socket in a directory only its user can open
  --policy file          Policy (YAML): controllers (certificate names allowed to connect;
                         default squall-controller), allowed drivers and targets, maxDuration,
                         maxConcurrentFaults, protected addresses and ports, tc devices,
                         toxiproxy URLs, fleet caps (see docs/security.md)
  --ledger dir           Fault ledger directory (default $XDG_STATE_HOME/squall/ledger)
  --config file          Agent targets (YAML): processes (managed spawn, or pidFile + restart argv)
                         and proxies this agent hosts
  --proxy name=listen,upstream
                         Host a fault proxy (repeatable), e.g. api=127.0.0.1:18080,127.0.0.1:8080
  --toxiproxy-api host:port
                         Also serve Toxiproxy's HTTP API (loopback only: it has no authentication;
                         it takes JSON from non-browser clients only) for the hosted proxies,
                         e.g. 127.0.0.1:8474; proxies created through it listen where the
                         policy's proxyApi.listen allows (loopback by default) and are
                         targetable by proxy.* faults
  --host name            Name reported to controllers (default: the OS hostname)
  --health host:port     Also serve plain-HTTP GET /livez and /readyz (ready once the ledger is
                         replayed and the gRPC port listens), for Kubernetes probes; they say
                         nothing but up and ready. Protect its port in the policy, or a fault
                         that cuts it gets the agent restarted mid-fault
  -h, --help             This help

Exit codes: 0 stopped by a signal, every fault reverted · 2 bad flags, TLS files or policy ·
            4 a fault could not be reverted at shutdown (it stays in the ledger)

Examples:
  squall certs init --dir certs --agent edge-1 --host edge-1=10.0.0.5
  squall agent --listen 0.0.0.0:7070 --tls-ca certs/ca.pem --tls-cert certs/edge-1.pem \\
    --tls-key certs/edge-1.key --policy docs/agent-policy.yaml
  squall agent --listen unix:/run/squall/agent.sock --insecure
  squall agent --listen unix:/run/squall/agent.sock --insecure --health 127.0.0.1:7071
`;

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run the fault-injection agent (gRPC, mTLS, leases, ledger, policy)',
  help,
  async run(argv, io) {
    const { values } = parse(argv);
    const listen = values.listen ?? '127.0.0.1:7070';
    const tlsFlags = [values['tls-ca'], values['tls-cert'], values['tls-key']];
    let security: Parameters<ReturnType<typeof createAgentServer>['listen']>[1];
    if (values.insecure) {
      if (tlsFlags.some((f) => f !== undefined)) {
        throw new SquallError('SQUALL_USAGE', '--insecure and --tls-* exclude each other');
      }
      // Refuse before anything is started (createAgentServer refuses too).
      checkPlainTextListen(listen);
      security = { insecure: true };
    } else {
      if (tlsFlags.some((f) => f === undefined)) {
        throw new SquallError(
          'SQUALL_AGENT_INSECURE',
          'the agent needs --tls-ca, --tls-cert and --tls-key (create them with squall certs init), or --insecure on a loopback address',
        );
      }
      const [ca, cert, key] = tlsFlags.map((f) => resolve(io.cwd, f!)) as [string, string, string];
      security = { tls: readTlsFiles({ ca, cert, key }) };
    }
    const policy = values.policy ? loadPolicyFile(resolve(io.cwd, values.policy)) : DEFAULT_POLICY;
    const stateHome = io.env.XDG_STATE_HOME ?? join(io.env.HOME ?? homedir(), '.local', 'state');
    const ledgerDir = resolve(io.cwd, values.ledger ?? join(stateHome, 'squall', 'ledger'));
    const log = (m: string) => io.stderr.write(`${new Date().toISOString()} ${m}\n`);

    const config = values.config ? loadAgentConfig(resolve(io.cwd, values.config)) : undefined;
    // Up before the ledger replay, so a long replay is not mistaken for a hung agent.
    let ready = false;
    const health = values.health ? createHealthServer(() => ready) : undefined;
    if (health) {
      const at = splitAddress(values.health!);
      const bound = await health.listen(at.host, at.port);
      io.stdout.write(`health on http://${hostPort(bound.host, bound.port)} (/livez, /readyz)\n`);
    }
    try {
      return await serve();
    } finally {
      ready = false;
      await health?.close();
    }

    async function serve(): Promise<number> {
      const proxyFlags = parseProxyFlags(values.proxy ?? []);
      // Other agents on this host refuse to signal a process with this name (process-guard.ts).
      process.title = AGENT_PROCESS_TITLE;
      // The agent looks names up in these maps at each request; they are filled once the ledger is replayed.
      const proxies = new Map<string, FaultProxy>();
      const processes = new Map<string, ManagedProcess>();
      const agent = createAgentServer({
        ledgerDir,
        policy,
        proxies,
        processes,
        log,
        ...(values.host ? { host: values.host } : {}),
      });
      // Before anything of ours starts again: a leftover pause is resumed on the very process the
      // previous agent stopped, never on a new one that took its name (or its port).
      await agent.recover();
      for (const [name, p] of await startProxies({ ...config?.proxies, ...proxyFlags }, { log }))
        proxies.set(name, p);
      let targets: AgentProcesses;
      try {
        targets = await startAgentProcesses(config ?? { processes: {}, proxies: {} }, {
          logDir: join(ledgerDir, '..', 'logs'),
          log,
        });
      } catch (err) {
        await stopProxies(proxies);
        throw err;
      }
      for (const [name, p] of targets.processes) processes.set(name, p);
      // Proxies created through the API listen only where the policy's proxyApi.listen allows.
      const { checkProxyListen } = createReachGate(policy);
      const api = values['toxiproxy-api']
        ? createToxiproxyApi({ proxies, log, checkListen: checkProxyListen })
        : undefined;
      try {
        if (api) {
          const at = splitAddress(values['toxiproxy-api']!);
          if (!isLoopback(at.host)) {
            // Toxiproxy's API has no authentication: only local tools may reach it.
            throw new SquallError(
              'SQUALL_AGENT_INSECURE',
              `--toxiproxy-api must be a loopback address (it has no authentication), not '${at.host}'`,
            );
          }
          const bound = await api.listen(at.host, at.port);
          io.stdout.write(`Toxiproxy API on http://${bound.host}:${bound.port}\n`);
        }
        const bound = await agent.listen(listen, security);
        ready = true;
        const where =
          bound.port === 0 && bound.host.startsWith('unix:') ? bound.host : `${bound.host}:${bound.port}`;
        io.stdout.write(
          `squall agent listening on ${where} (${'insecure' in security ? 'plain text' : 'mTLS'}), ledger ${ledgerDir}${describeRecovery(await agent.recover())}
`,
        );
        await new Promise<void>((done) => {
          if (!io.signal) return; // no signal wiring: run until the process ends
          if (io.signal.aborted) done();
          io.signal.addEventListener('abort', () => done(), { once: true });
        });
        ready = false;
        log('stopping: reverting every active fault');
      } finally {
        await api?.close();
        await agent.close();
        await stopProxies(proxies);
        await targets.stopAll();
      }
      return agent.activeFaults() === 0 ? ExitCode.ok : ExitCode.infrastructure;
    }
  },
};

const hostPort = (host: string, port: number) =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** The start-up line's account of the ledger replay (the log has one line per entry). */
function describeRecovery({ recovered, failed }: Recovery): string {
  return (
    (recovered ? `, ${recovered} leftover(s) of a previous agent cleared` : '') +
    (failed.length
      ? `, ${failed.length} leftover(s) could NOT be reverted (kept in the ledger; see the log)`
      : '')
  );
}

function parseProxyFlags(flags: string[]): Record<string, { listen: string; upstream: string }> {
  const out: Record<string, { listen: string; upstream: string }> = {};
  for (const flag of flags) {
    const m = /^([\w-]+)=([^,]+),([^,]+)$/.exec(flag);
    if (!m)
      throw new SquallError(
        'SQUALL_USAGE',
        `--proxy '${flag}': expected name=listenHost:port,upstreamHost:port`,
      );
    out[m[1]!] = { listen: m[2]!, upstream: m[3]! };
  }
  return out;
}

function parse(argv: string[]) {
  return parseFlags(
    'agent',
    argv,
    {
      listen: { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      insecure: { type: 'boolean' },
      policy: { type: 'string' },
      ledger: { type: 'string' },
      proxy: { type: 'string', multiple: true },
      host: { type: 'string' },
      'toxiproxy-api': { type: 'string' },
      config: { type: 'string' },
      health: { type: 'string' },
    },
    false,
  );
}
