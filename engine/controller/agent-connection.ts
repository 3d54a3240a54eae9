/**
 * The controller's side of one agent: Hello (version, drivers, clock), then one Session stream
 * that holds the lease with heartbeats every ttl/3. Implements the runner's `FaultInjector`.
 * The session is lost when the stream ends or fails, or when nothing comes back for the ttl
 * (the agent is frozen, overloaded or cut off: its lease is running out too);
 * `onSessionLost` hears of it once, so the run can stop instead of trusting faults it no
 * longer controls.
 * The agent's clock offset is estimated NTP-style from every round trip (Hello and heartbeats):
 * offset = agentTime − (sent + received) / 2, keeping the sample with the smallest round trip
 * among the recent ones, since its error is bounded by half that round trip.
 */
import { hostname } from 'node:os';
import type * as grpc from '@grpc/grpc-js';
import { fromGrpcError, squallCode } from '../../agents/proto/grpc-status.js';
import type {
  AgentEvent,
  AgentInfo,
  ControlMessage,
  InjectedMsg,
  WireTarget,
} from '../../agents/proto/messages.js';
import type { FleetConfig } from '../../simulator/fleet-spec.js';
import { SquallError } from '../core/errors.js';
import type { ActiveFault, FaultInjector, FaultTarget, SessionLoss } from '../core/faults.js';
import { SQUALL_VERSION } from '../core/version.js';
import {
  type AgentAddressSpec,
  type ClockSample,
  explainTlsFailure,
  helloAgent,
  newAgentClient,
} from './agent-client.js';
import { agentIdentity } from './agent-identity.js';
import { type RemoteShard, startRemoteShard } from './remote-shard.js';
import { type Heartbeat, startHeartbeat } from './session-heartbeat.js';

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
  readonly info: AgentInfo;
  readonly sessionId: string;
  readonly ttlMs: number;
  /** Agent clock − controller clock, ms (best recent estimate). */
  clockOffsetMs(): number;
  /** Round trip of the best recent clock sample, ms. */
  rttMs(): number;
  /** `hardDeadlineMs`: the agent reverts on its own this long after applying (default duration + 10 s). */
  inject(
    request: Parameters<FaultInjector['inject']>[0] & { hardDeadlineMs?: number },
  ): Promise<ActiveFault & { clockOffsetMs: number }>;
  /**
   * Runs a slice of a fleet on the agent (policy: `fleet.shard`); its metrics arrive over the
   * session each second and `collect` returns what arrived since the last call. The shard stops
   * with the session.
   */
  startShard(shardId: string, config: FleetConfig): Promise<RemoteShard>;
  /** Ends the session; the agent reverts whatever the session still holds. */
  close(): Promise<void>;
}

const CLOCK_WINDOW = 8;
/** Extra Hello round trips at connect, for the first clock estimate. */
const HELLO_CLOCK_SAMPLES = 3;

function toWireTarget(target: FaultTarget): WireTarget {
  const wire: WireTarget = {};
  if (target.process !== undefined) wire.process = target.process;
  if (target.pidFile !== undefined) wire.pid_file = target.pidFile;
  if (target.pid !== undefined) wire.pid = target.pid;
  if (target.proxy !== undefined) wire.proxy = target.proxy;
  if (target.host !== undefined) wire.host = target.host;
  return wire;
}

export async function connectAgent(
  name: string,
  spec: AgentAddressSpec,
  options: ConnectOptions = {},
): Promise<AgentConnection> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  // The agent's certificate must carry the name the experiment gives it.
  const identity = agentIdentity(spec.address, name);
  const client = newAgentClient(name, spec, options.baseDir ?? process.cwd(), identity);
  const samples: ClockSample[] = [];
  const addSample = (s: ClockSample) => {
    samples.push(s);
    if (samples.length > CLOCK_WINDOW) samples.shift();
  };
  const best = () => samples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));

  let info: AgentInfo;
  try {
    const hello = await helloAgent(client, name, timeoutMs, options.statfsPaths);
    info = hello.info;
    // The first round trip includes connecting (TCP, TLS): a poor clock sample. A few more on
    // the open connection bound the offset's error by half their (sub-ms) round trip.
    for (let i = 0; i < HELLO_CLOCK_SAMPLES; i++)
      addSample((await helloAgent(client, name, timeoutMs)).sample);
    addSample(hello.sample);
  } catch (err) {
    client.close();
    throw await explainTlsFailure(name, spec, options.baseDir ?? process.cwd(), err, identity);
  }

  const call = (
    client as unknown as { Session(): grpc.ClientDuplexStream<ControlMessage, AgentEvent> }
  ).Session();
  const pending = new Map<string, { ok: (e: AgentEvent) => void; fail: (e: SquallError) => void }>();
  const reverted = new Set<string>();
  const shardReadings = new Map<string, (wireJson: string) => void>();
  const revertFailed = new Set<string>();
  let lost: SquallError | undefined;
  let closing = false;
  let opened: { session_id: string; ttl_ms: number } | undefined;
  let nextRequest = 1;
  let heartbeat: Heartbeat | undefined;
  let resolveEnded: () => void = () => {};
  const ended = new Promise<void>((r) => {
    resolveEnded = r;
  });

  const failAll = (err: SquallError) => {
    const first = lost === undefined;
    lost ??= err;
    heartbeat?.stop();
    for (const p of pending.values()) p.fail(err);
    pending.clear();
    if (first && opened && !closing) {
      options.onSessionLost?.({
        agent: name,
        address: spec.address,
        error: new SquallError(
          'SQUALL_AGENT_SESSION_LOST',
          `session to agent '${name}' (${spec.address}) lost: ${err.message}`,
          { cause: err },
        ),
        revertedByAgent: reverted,
      });
    }
  };

  let onOpened: ((e: { session_id: string; ttl_ms: number }) => void) | undefined;
  call.on('data', (event: AgentEvent) => {
    heartbeat?.heard();
    switch (event.msg) {
      case 'opened':
        onOpened?.((event as { opened: { session_id: string; ttl_ms: number } }).opened);
        return;
      case 'heartbeat_ack': {
        const ack = (event as Extract<AgentEvent, { heartbeat_ack: unknown }>).heartbeat_ack;
        const now = Date.now();
        addSample({
          offsetMs: ack.agent_time_ms - (ack.controller_time_ms + now) / 2,
          rttMs: now - ack.controller_time_ms,
        });
        return;
      }
      case 'fault_event': {
        const fe = (event as Extract<AgentEvent, { fault_event: unknown }>).fault_event;
        if (fe.what !== 'revert_failed') reverted.add(fe.fault_id);
        else revertFailed.add(fe.fault_id);
        log(`agent '${name}': ${fe.fault_id} ${fe.what}: ${fe.message}`);
        options.onFaultEvent?.({ faultId: fe.fault_id, what: fe.what, message: fe.message });
        return;
      }
      case 'metrics': {
        const m = (event as Extract<AgentEvent, { metrics: unknown }>).metrics;
        shardReadings.get(m.shard_id)?.(m.json);
        return;
      }
      default: {
        const body = (event as unknown as Record<string, { request_id?: string }>)[event.msg ?? ''];
        const waiting = body?.request_id ? pending.get(body.request_id) : undefined;
        if (!waiting || !body?.request_id) return;
        pending.delete(body.request_id);
        if (event.msg === 'error') {
          const e = (event as Extract<AgentEvent, { error: unknown }>).error;
          waiting.fail(new SquallError(squallCode(e.code), `agent '${name}': ${e.message}`));
        } else waiting.ok(event);
      }
    }
  });
  call.on('error', (err) => {
    failAll(fromGrpcError(err, name));
    resolveEnded();
  });
  call.on('end', () => {
    failAll(
      new SquallError(
        'SQUALL_AGENT_UNREACHABLE',
        `agent '${name}' ended the session (it is stopping, or refused the session)`,
      ),
    );
    resolveEnded();
  });

  opened = await new Promise<{ session_id: string; ttl_ms: number }>((ok, fail) => {
    const timer = setTimeout(
      () =>
        fail(
          new SquallError(
            'SQUALL_AGENT_UNREACHABLE',
            `agent '${name}' did not open a session within ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    onOpened = (o) => {
      clearTimeout(timer);
      ok(o);
    };
    call.once('error', (err) => {
      clearTimeout(timer);
      fail(fromGrpcError(err, name));
    });
    call.write({
      open: { controller: `squall ${SQUALL_VERSION} on ${hostname()}`, ttl_ms: options.ttlMs ?? 5000 },
    });
  }).catch((err) => {
    call.cancel();
    client.close();
    throw err;
  });

  const { ttl_ms: ttlMs, session_id: sessionId } = opened;
  heartbeat = startHeartbeat({
    periodMs: options.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 3)),
    ttlMs,
    beat: (seq) => call.write({ heartbeat: { seq, controller_time_ms: Date.now() } }),
    onSilent: () => {
      failAll(
        new SquallError(
          'SQUALL_AGENT_UNREACHABLE',
          `no reply from agent '${name}' for ${ttlMs} ms, its lease's ttl (the agent is frozen, overloaded or cut off; its lease expires too)`,
        ),
      );
      call.cancel();
    },
  });

  const request = (message: ControlMessage, requestId: string): Promise<AgentEvent> =>
    new Promise((ok, fail) => {
      if (lost) return fail(lost);
      pending.set(requestId, { ok, fail });
      call.write(message);
    });

  log(
    `agent '${name}' at ${spec.address}: squall ${info.version} on ${info.host}, session ${sessionId}, ttl ${ttlMs} ms, clock offset ${best().offsetMs.toFixed(1)} ms`,
  );
  if (info.unrecovered_at_start?.length) {
    log(
      `agent '${name}' could not revert ${info.unrecovered_at_start.length} fault(s) a previous agent process left (kept in its ledger): ${info.unrecovered_at_start.join('; ')}`,
    );
  }

  return {
    name,
    info,
    sessionId,
    ttlMs,
    clockOffsetMs: () => best().offsetMs,
    rttMs: () => best().rttMs,
    async inject(req) {
      const requestId = String(nextRequest++);
      const event = await request(
        {
          inject: {
            request_id: requestId,
            fault_id: req.faultId,
            kind: req.kind,
            target: toWireTarget(req.target),
            params_json: JSON.stringify(req.params ?? {}),
            duration_ms: req.durationMs,
            hard_deadline_ms: req.hardDeadlineMs ?? 0,
          },
        },
        requestId,
      );
      const injected = (event as { injected: InjectedMsg }).injected;
      const faultId = req.faultId;
      // A fault id may come back after a revert (retries, benches): only this injection's revert counts.
      reverted.delete(faultId);
      return {
        where: `agent ${name} (${spec.address}), ${injected.where}`,
        removeCommand: injected.remove_command,
        clockOffsetMs: best().offsetMs,
        async revert() {
          if (reverted.has(faultId)) return;
          const id = String(nextRequest++);
          try {
            await request({ revert: { request_id: id, fault_id: faultId } }, id);
          } catch (err) {
            // The lease ran out: the agent reverted every fault of the session by itself and
            // said so for each; only one it reported as failed is still there.
            if (
              err instanceof SquallError &&
              err.code === 'SQUALL_LEASE_EXPIRED' &&
              !revertFailed.has(faultId)
            ) {
              reverted.add(faultId);
              return;
            }
            if (err instanceof SquallError && err.code === 'SQUALL_AGENT_UNREACHABLE') {
              throw new SquallError(
                'SQUALL_ROLLBACK_FAILED',
                `lost the session to agent '${name}' (${err.message}); a live agent reverts ${faultId} by itself when its lease (${ttlMs} ms) runs out, a restarted one from its ledger at start-up — check with 'squall agents ping ${spec.address}' (active faults)`,
                { cause: err },
              );
            }
            throw err;
          }
          reverted.add(faultId);
        },
      };
    },
    startShard: (shardId, config) =>
      startRemoteShard(
        {
          request: (build) => {
            const id = String(nextRequest++);
            return request(build(id), id);
          },
          readings: shardReadings,
        },
        shardId,
        config,
      ),
    async close() {
      closing = true;
      heartbeat?.stop();
      if (!lost) {
        call.end();
        await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      }
      call.cancel();
      client.close();
    },
  };
}
