/**
 * The controller's side of one agent: Hello (version, drivers, resources, a first clock
 * estimate), then one Session stream that holds the lease (agent-session.ts). Implements the
 * runner's `FaultInjector`: faults (remote-fault.ts) and fleet shards (remote-shard.ts) go
 * over the session. The agent's clock offset is estimated from every round trip, Hello and
 * heartbeats (clock-estimate.ts).
 */
import type { AgentInfo__Output } from '../../agents/proto/generated/squall/agent/v1/AgentInfo.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';
import type { ActiveFault, FaultInjector, SessionLoss } from '../core/faults.js';
import {
  type AgentAddressSpec,
  explainTlsFailure,
  helloAgent,
  identityFor,
  newAgentClient,
} from './agent-client.js';
import { openAgentSession } from './agent-session.js';
import { createClockEstimate } from './clock-estimate.js';
import { injectRemoteFault, type RemoteInjectRequest } from './remote-fault.js';
import { type RemoteShard, startRemoteShard } from './remote-shard.js';

export {
  type AgentAddressSpec,
  type ClockSample,
  clientCredentials,
  explainTlsFailure,
  helloAgent,
  newAgentClient,
} from './agent-client.js';
export type { RemoteShard } from './remote-shard.js';

export interface ConnectOptions {
  /** Relative TLS paths are resolved against this (the experiment file's folder). */
  baseDir?: string;
  /** Lease ttl asked of the agent; it clamps to its policy. Default 5 s. */
  ttlMs?: number;
  /** Heartbeat period; default ttl / 3. */
  heartbeatMs?: number;
  /** How long Hello and session opening may take. Default 5 s. */
  connectTimeoutMs?: number;
  log?: (message: string) => void;
  /** Called when the agent reverted a fault on its own (deadline, lease) or failed to. */
  onFaultEvent?: (event: { faultId: string; what: string; message: string }) => void;
  /** Filesystems whose size the first Hello asks for (capacity checks of stress.disk). */
  statfsPaths?: readonly string[];
  /** Called once when the session is lost (not after `close()`). */
  onSessionLost?: (loss: SessionLoss) => void;
}

export interface AgentConnection extends FaultInjector {
  readonly name: string;
  readonly info: AgentInfo__Output;
  readonly sessionId: string;
  readonly ttlMs: number;
  /** Agent clock − controller clock, ms (best recent estimate). */
  clockOffsetMs(): number;
  /** Round trip of the best recent clock sample, ms. */
  rttMs(): number;
  /** `hardDeadlineMs`: the agent reverts on its own this long after applying (default duration + 10 s). */
  inject(request: RemoteInjectRequest): Promise<ActiveFault & { clockOffsetMs: number }>;
  /**
   * Runs a slice of a fleet on the agent (policy: `fleet.shard`); its metrics arrive over the
   * session each second and `collect` returns what arrived since the last call. The shard stops
   * with the session.
   */
  startShard(shardId: string, config: FleetConfig): Promise<RemoteShard>;
  /** Ends the session; the agent reverts whatever the session still holds. */
  close(): Promise<void>;
}

/** Extra Hello round trips at connect, for the first clock estimate. */
const HELLO_CLOCK_SAMPLES = 3;

export async function connectAgent(
  name: string,
  spec: AgentAddressSpec,
  options: ConnectOptions = {},
): Promise<AgentConnection> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const baseDir = options.baseDir ?? process.cwd();
  // The agent's certificate must carry the name the experiment gives it (or, discovered, the DNS name).
  const identity = identityFor(name, spec);
  const client = newAgentClient(name, spec, baseDir, identity);
  const clock = createClockEstimate();

  let info: AgentInfo__Output;
  try {
    const hello = await helloAgent(client, name, timeoutMs, options.statfsPaths);
    info = hello.info;
    // The first round trip includes connecting (TCP, TLS): a poor clock sample. A few more on
    // the open connection bound the offset's error by half their (sub-ms) round trip.
    for (let i = 0; i < HELLO_CLOCK_SAMPLES; i++)
      clock.add((await helloAgent(client, name, timeoutMs)).sample);
    clock.add(hello.sample);
  } catch (err) {
    client.close();
    throw await explainTlsFailure(name, spec, baseDir, err, identity);
  }

  const session = await openAgentSession(client, {
    name,
    address: spec.address,
    timeoutMs,
    ttlMs: options.ttlMs,
    heartbeatMs: options.heartbeatMs,
    clock,
    log,
    onFaultEvent: options.onFaultEvent,
    onSessionLost: options.onSessionLost,
  }).catch((err) => {
    client.close();
    throw err;
  });
  const { sessionId, ttlMs } = session;

  log(
    `agent '${name}' at ${spec.address}: squall ${info.version} on ${info.host}, session ${sessionId}, ttl ${ttlMs} ms, clock offset ${clock.best().offsetMs.toFixed(1)} ms`,
  );
  if (info.unrecovered_at_start?.length) {
    log(
      `agent '${name}' could not revert ${info.unrecovered_at_start.length} fault(s) a previous agent process left (kept in its ledger): ${info.unrecovered_at_start.join('; ')}`,
    );
  }

  const place = { name, address: spec.address };
  return {
    name,
    info,
    sessionId,
    ttlMs,
    clockOffsetMs: () => clock.best().offsetMs,
    rttMs: () => clock.best().rttMs,
    async inject(req) {
      const fault = await injectRemoteFault(session, place, req);
      return { ...fault, clockOffsetMs: clock.best().offsetMs };
    },
    startShard: (shardId, config) => startRemoteShard(session, shardId, config),
    async close() {
      await session.close();
      client.close();
    },
  };
}
