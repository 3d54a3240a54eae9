/** One agent's Hello, several times for a clock estimate; no session, nothing injected. */
import type { DriverInfo__Output } from '../../agents/proto/generated/squall/agent/v1/DriverInfo.js';
import type { Limits__Output } from '../../agents/proto/generated/squall/agent/v1/Limits.js';
import { type AgentAddressSpec, explainTlsFailure, helloAgent, newAgentClient } from './agent-client.js';
import { agentIdentity } from './agent-identity.js';

export interface PingResult {
  address: string;
  version: string;
  host: string;
  /** Agent clock − this host's clock, ms, from the round trip with the smallest rtt. */
  clockOffsetMs: number;
  rttMs: number;
  /** Null from an agent that reports none. */
  limits: Limits__Output | null;
  activeFaults: number;
  /** Faults a previous agent process left that this one could not revert (kept in its ledger). */
  unrecoveredAtStart: string[];
  drivers: DriverInfo__Output[];
  /** The names on the certificate the agent presented (mTLS only). */
  certificate?: string;
}

export async function pingAgent(
  name: string,
  spec: AgentAddressSpec,
  options: {
    baseDir?: string;
    samples?: number;
    timeoutMs?: number;
    /** The name the agent's certificate must carry; without it any agent certificate from the CA. */
    expectName?: string;
  } = {},
): Promise<PingResult> {
  const identity = agentIdentity(spec.address, options.expectName);
  const client = newAgentClient(name, spec, options.baseDir ?? process.cwd(), identity);
  try {
    let best: Awaited<ReturnType<typeof helloAgent>> | undefined;
    for (let i = 0; i < (options.samples ?? 5); i++) {
      const hello = await helloAgent(client, name, options.timeoutMs ?? 5000);
      if (!best || hello.sample.rttMs < best.sample.rttMs) best = hello;
    }
    const { info, sample } = best!;
    return {
      address: spec.address,
      version: info.version,
      host: info.host,
      clockOffsetMs: sample.offsetMs,
      rttMs: sample.rttMs,
      limits: info.limits,
      activeFaults: info.active_faults,
      unrecoveredAtStart: info.unrecovered_at_start ?? [],
      drivers: info.drivers,
      ...(spec.tls && identity.presented() ? { certificate: identity.presented()! } : {}),
    };
  } catch (err) {
    throw await explainTlsFailure(name, spec, options.baseDir ?? process.cwd(), err, identity);
  } finally {
    client.close();
  }
}
