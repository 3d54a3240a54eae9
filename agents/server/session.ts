/**
 * One controller session: the lease. The first message opens it (with the ttl the controller
 * asks for, clamped by policy); every message after that renews it. When nothing arrives for
 * the ttl, the agent reverts every fault the session injected — whether the controller is
 * frozen, its host lost power, or the network dropped it (Gremlin's dead-man's switch). When
 * the connection itself closes (the controller said goodbye, or died and its kernel closed the
 * socket), the agent does not wait for the lease: it reverts at once. The log names which.
 * One small handler per message type.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { SquallError } from '../../engine/core/errors.js';
import type { FaultTarget } from '../../engine/core/faults.js';
import { toGrpcError } from '../proto/grpc-status.js';
import type {
  AgentEvent,
  ControlMessage,
  HeartbeatMsg,
  InjectMsg,
  OpenSession,
  RevertMsg,
  StartShardMsg,
  StopShardMsg,
  WireTarget,
} from '../proto/messages.js';
import { deviceToward } from './control-devices.js';
import { type AutoRevert, DEADLINE_GRACE_MS, type FaultTable } from './fault-table.js';
import type { PolicyGate } from './policy.js';
import { parseShardConfig } from './shard-config.js';
import type { ShardHost } from './shards.js';

export interface SessionDeps {
  table: FaultTable;
  policy: PolicyGate;
  log: (message: string) => void;
  /** Sessions by id, so the table's auto-reverts reach the right stream. */
  sessions: Map<string, LiveSession>;
  /** The agent's clock, epoch ms. */
  clock: () => number;
  shards: ShardHost;
  /** Throws unless the peer may control this agent (its certificate's CN is in `controllers`). */
  checkPeer(call: Call): void;
}

export interface LiveSession {
  readonly id: string;
  notify(event: AutoRevert): void;
  /** Ends the stream from the agent's side (the agent is stopping; its faults are already reverted). */
  end(): void;
}

type Call = grpc.ServerDuplexStream<ControlMessage, AgentEvent>;

/** Any call the agent serves (Hello or Session), for the controller check. */
export type PeerCall = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getPeer' | 'getAuthContext'>;

export function handleSession(call: Call, deps: SessionDeps): void {
  const { table, policy, log } = deps;
  const peer = call.getPeer();
  let id: string | undefined;
  let ttlMs = 0;
  let lease: NodeJS.Timeout | undefined;
  let ended = false;
  let opening = false;
  /** The session is over (lease ran out, connection closed): whatever is still being injected must not outlive it. */
  let finished = false;

  // Only a listed controller may open a session; anything else it sends is never read.
  try {
    deps.checkPeer(call);
  } catch (err) {
    log(`session refused (${peer}): ${(err as Error).message}`);
    ended = true;
    call.emit('error', toGrpcError(err));
    return;
  }

  const send = (event: AgentEvent) => {
    if (!ended && !call.destroyed && call.writable) call.write(event);
  };
  const refuse = (requestId: string, faultId: string, err: unknown) => {
    const e = err instanceof SquallError ? err : new SquallError('SQUALL_INTERNAL', (err as Error).message);
    log(`session ${id ?? '-'} (${peer}): refused ${faultId || requestId}: ${e.code}: ${e.message}`);
    send({ error: { request_id: requestId, fault_id: faultId, code: e.code, message: e.message } });
  };
  /** Ends the session once, for the reason given: reverts its faults and stops its shards. */
  const finish = async (reason: string) => {
    const sessionId = id;
    if (finished) return;
    finished = true;
    if (!sessionId) return;
    if (lease) clearTimeout(lease);
    lease = undefined;
    log(
      `session ${sessionId} (${peer}): ${reason}; reverting its ${table.countOf(sessionId)} fault(s), stopping its shards`,
    );
    await table.revertSession(sessionId, reason); // each revert is sent while the stream is open
    deps.sessions.delete(sessionId);
    await deps.shards.stopSession(sessionId);
  };
  const renew = () => {
    if (!id || ended || finished) return;
    if (lease) clearTimeout(lease);
    const sessionId = id;
    lease = setTimeout(() => {
      lease = undefined;
      void (async () => {
        await finish(
          `no heartbeat for ${ttlMs} ms, the connection still open (controller frozen, overloaded or cut off)`,
        );
        // Tell a controller that wakes up again that its lease is gone (it must open a new session).
        const open = !ended && !call.destroyed;
        ended = true;
        if (open) {
          call.emit(
            'error',
            toGrpcError(
              new SquallError(
                'SQUALL_LEASE_EXPIRED',
                `no heartbeat for ${ttlMs} ms: the agent reverted every fault of session ${sessionId}`,
              ),
            ),
          );
        }
      })();
    }, ttlMs);
  };

  const shardSink = {
    metrics: (shardId: string, json: string) =>
      send({ metrics: { shard_id: shardId, json, agent_time_ms: deps.clock() } }),
  };

  const handlers = {
    async open(msg: OpenSession) {
      if (id || opening) throw new SquallError('SQUALL_USAGE', 'session already open');
      opening = true;
      // The controller's own address is never cut off (the control channel is never partitioned),
      // nor the device the agent reaches it over shaped (tc.*).
      const peerIp = peerAddress(peer);
      if (peerIp) {
        policy.protect({ addresses: [peerIp] });
        const device = await deviceToward(peerIp).catch((err: Error) => {
          log(`session (${peer}): cannot tell which device reaches the controller: ${err.message}`);
          return undefined;
        });
        if (device) policy.reach.protectDevices([device]);
      }
      if (ended) return;
      id = randomUUID();
      ttlMs = policy.ttlMs(msg.ttl_ms || 5000);
      deps.sessions.set(id, {
        id,
        notify: (e) => send({ fault_event: { fault_id: e.faultId, what: e.what, message: e.message } }),
        end: () => {
          void finish('ended by the agent, which is stopping');
          ended = true;
          if (!call.destroyed) call.end();
        },
      });
      log(`session ${id} opened by ${msg.controller || 'a controller'} (${peer}), ttl ${ttlMs} ms`);
      send({ opened: { session_id: id, ttl_ms: ttlMs, agent_time_ms: deps.clock() } });
      renew(); // the lease starts now, not at the next message
    },
    async inject(msg: InjectMsg) {
      if (!id) throw new SquallError('SQUALL_USAGE', 'open the session before injecting');
      let params: unknown = {};
      try {
        params = msg.params_json ? JSON.parse(msg.params_json) : {};
      } catch {
        throw new SquallError('SQUALL_SPEC_INVALID', `params_json is not JSON: ${msg.params_json}`);
      }
      const durationMs = msg.duration_ms;
      const hardDeadlineMs =
        msg.hard_deadline_ms > 0
          ? msg.hard_deadline_ms
          : durationMs > 0
            ? durationMs + DEADLINE_GRACE_MS
            : policy.policy.maxDuration;
      const { fault, deadlineAtMs } = await table.inject({
        sessionId: id,
        faultId: msg.fault_id,
        kind: msg.kind,
        target: fromWireTarget(msg.target),
        params,
        durationMs,
        hardDeadlineMs,
      });
      if (ended || finished) {
        // The session ended (or its lease ran out) while this fault was being applied.
        await table.revert(msg.fault_id);
        throw new SquallError(
          'SQUALL_LEASE_EXPIRED',
          `session ${id} ended while ${msg.fault_id} was applied; reverted it`,
        );
      }
      const agentTime = deps.clock();
      log(`session ${id}: injected ${msg.kind} (${msg.fault_id}) on ${fault.where}`);
      send({
        injected: {
          request_id: msg.request_id,
          fault_id: msg.fault_id,
          where: fault.where,
          remove_command: fault.removeCommand,
          agent_time_ms: agentTime,
          hard_deadline_at_ms: deadlineAtMs,
        },
      });
    },
    async revert(msg: RevertMsg) {
      if (!id) throw new SquallError('SQUALL_USAGE', 'open the session before reverting');
      const owner = table.sessionOf(msg.fault_id);
      if (owner !== undefined && owner !== id) {
        throw new SquallError(
          'SQUALL_AGENT_POLICY_DENIED',
          `fault '${msg.fault_id}' belongs to another session; a session reverts only its own faults (the other session's lease and the fault's hard deadline revert it)`,
        );
      }
      await table.revert(msg.fault_id);
      log(`session ${id}: reverted ${msg.fault_id}`);
      send({ reverted: { request_id: msg.request_id, fault_id: msg.fault_id } });
    },
    async start_shard(msg: StartShardMsg) {
      if (!id) throw new SquallError('SQUALL_USAGE', 'open the session before starting a shard');
      // Re-validated here: the agent does not trust a session to send what a controller validated.
      const config = parseShardConfig(msg.fleet_json);
      const { devices } = await deps.shards.start(id, msg.shard_id, config, shardSink);
      send({ shard_started: { request_id: msg.request_id, shard_id: msg.shard_id, devices } });
    },
    async stop_shard(msg: StopShardMsg) {
      if (!id) throw new SquallError('SQUALL_USAGE', 'open the session before stopping a shard');
      const snapshot = await deps.shards.stop(msg.shard_id, shardSink, id);
      send({
        shard_stopped: {
          request_id: msg.request_id,
          shard_id: msg.shard_id,
          snapshot_json: JSON.stringify(snapshot),
        },
      });
    },
    heartbeat(msg: HeartbeatMsg) {
      send({
        heartbeat_ack: {
          seq: msg.seq,
          controller_time_ms: msg.controller_time_ms,
          agent_time_ms: deps.clock(),
        },
      });
    },
  };

  call.on('data', (message: ControlMessage) => {
    if (ended || finished) return; // a session whose lease ran out takes nothing more
    renew();
    const kind = message.msg;
    const body = (
      message as unknown as Record<string, { request_id?: string; fault_id?: string; shard_id?: string }>
    )[kind ?? ''];
    const req = body?.request_id !== undefined ? body : undefined;
    void (async () => {
      try {
        switch (kind) {
          case 'open':
            return await handlers.open((message as { open: OpenSession }).open);
          case 'inject':
            return await handlers.inject((message as { inject: InjectMsg }).inject);
          case 'revert':
            return await handlers.revert((message as { revert: RevertMsg }).revert);
          case 'heartbeat':
            return handlers.heartbeat((message as { heartbeat: HeartbeatMsg }).heartbeat);
          case 'start_shard':
            return await handlers.start_shard((message as { start_shard: StartShardMsg }).start_shard);
          case 'stop_shard':
            return await handlers.stop_shard((message as { stop_shard: StopShardMsg }).stop_shard);
          default:
            throw new SquallError('SQUALL_USAGE', `unknown control message '${String(kind)}'`);
        }
      } catch (err) {
        refuse(req?.request_id ?? '', req?.fault_id ?? req?.shard_id ?? '', err);
      }
    })();
  });

  // The connection closed: nothing the controller injected outlives it. (A controller that falls
  // silent with the connection open is caught by the lease timer instead.)
  const closeSession = (reason: string) => {
    if (ended) return;
    ended = true;
    void finish(reason);
    if (!call.destroyed) call.end();
  };
  const disconnected = 'the controller disconnected (its connection closed without ending the session)';
  // A killed controller's connection also ends the stream, with 'cancelled' just after: look
  // once more before calling it a goodbye.
  call.on('end', () =>
    setImmediate(() => closeSession(call.cancelled ? disconnected : 'closed by the controller')),
  );
  call.on('cancelled', () => closeSession(disconnected));
  call.on('error', (err: Error) => closeSession(`the stream failed (${err.message})`));
}

function fromWireTarget(t: WireTarget | undefined): FaultTarget {
  const target: FaultTarget = {};
  if (!t) return target;
  if (t.process) target.process = t.process;
  if (t.pid_file) target.pidFile = t.pid_file;
  if (t.pid) target.pid = t.pid;
  if (t.proxy) target.proxy = t.proxy;
  if (t.host) target.host = t.host;
  return target;
}

/** The client certificate's CN, when the connection is mTLS. */
export function peerCommonName(call: PeerCall): string | undefined {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** The IP in a grpc-js peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, or `1.2.3.4:5`). */
function peerAddress(peer: string): string | undefined {
  const m = /^(?:ipv[46]:)?\[?([0-9a-fA-F:.]+?)\]?:\d+$/.exec(peer);
  return m?.[1] && isIP(m[1]) ? m[1] : undefined;
}
