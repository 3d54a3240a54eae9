/**
 * `agents.discover`: the agents behind a DNS name, one per A record (a headless Service
 * resolves to the address of every ready pod). Each becomes an agent named
 * `<first label>/<address>` (engine/spec/discovered-agents.ts) at `<address>:<port>`, whose
 * certificate must carry the DNS name itself (docs/security.md, "Discovered agents"): the
 * controller then knows it reached an agent of that Service, as strictly as it knows a named
 * agent is the one the experiment names.
 */
import { Resolver } from 'node:dns/promises';
import { SquallError } from '../core/errors.js';
import { discoveredAgentName } from '../spec/discovered-agents.js';
import type { AgentDiscoverySpec } from '../spec/schema.js';
import type { AgentAddressSpec } from './agent-client.js';

export interface DiscoveredAgent {
  name: string;
  spec: AgentAddressSpec;
}

/** Where the file says it (`file:line:col agents.discover.dns`), for the messages. */
export interface DiscoveryOptions {
  at?: string;
}

/** Answers that mean "the name exists nowhere / has no A record", as opposed to "could not ask". */
const EMPTY_CODES = new Set(['ENOTFOUND', 'ENODATA']);

/** Resolves `spec.dns` (A records) at `spec.server` or the system's resolvers; sorted by address. */
export async function discoverAgents(
  spec: AgentDiscoverySpec,
  options: DiscoveryOptions = {},
): Promise<DiscoveredAgent[]> {
  const server = spec.server ?? 'the system resolvers';
  const where = options.at ? `${options.at}: ` : '';
  const dns = spec.dns.replace(/\.$/, '');
  // One try, the whole timeout: c-ares retries on its own otherwise, multiplying the wait.
  const resolver = new Resolver({ timeout: spec.timeout, tries: 1 });
  if (spec.server) resolver.setServers([spec.server]);
  let addresses: string[];
  try {
    addresses = await resolver.resolve4(dns);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    if (EMPTY_CODES.has(code)) {
      throw new SquallError(
        'SQUALL_AGENT_DISCOVERY_EMPTY',
        `${where}agents.discover: ${dns} has no A records at ${server} (${code}): no ready agent behind it; check the Service's endpoints (kubectl get endpoints) and the name`,
      );
    }
    const why =
      code === 'ETIMEOUT'
        ? `no answer within ${spec.timeout} ms`
        : code === 'ECONNREFUSED'
          ? 'connection refused (nothing serves DNS there)'
          : code === 'EREFUSED'
            ? 'the server refused to answer for this name'
            : code;
    throw new SquallError(
      'SQUALL_AGENT_DISCOVERY_FAILED',
      `${where}agents.discover: could not resolve ${dns} at ${server}: ${why}`,
      { cause: err },
    );
  }
  if (addresses.length === 0) {
    throw new SquallError(
      'SQUALL_AGENT_DISCOVERY_EMPTY',
      `${where}agents.discover: ${dns} has no A records at ${server}: no ready agent behind it`,
    );
  }
  const sorted = [...new Set(addresses)].sort(compareIpv4);
  return sorted.map((address) => ({
    name: discoveredAgentName(dns, address),
    spec: { address: `${address}:${spec.port}`, tls: spec.tls, certName: dns },
  }));
}

function compareIpv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
