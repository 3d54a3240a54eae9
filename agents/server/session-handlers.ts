/**
 * One small handler per control message (aedes' lib/handlers is the model): open, inject,
 * revert, heartbeat, start_shard, stop_shard. Each is given its session (session.ts) and the
 * message's body as the generated types decode it; one that throws is answered with an Error
 * naming the request and the fault or shard it was about.
 */
import { randomUUID } from 'node:crypto';
import { SquallError } from '../../engine/core/errors.js';
import type { ControlMessageHandlers } from '../proto/decode.js';
import { fromWireTarget } from '../proto/fault-target.js';
import type { Heartbeat__Output } from '../proto/generated/squall/agent/v1/Heartbeat.js';
import type { Inject__Output } from '../proto/generated/squall/agent/v1/Inject.js';
import type { OpenSession__Output } from '../proto/generated/squall/agent/v1/OpenSession.js';
import type { Revert__Output } from '../proto/generated/squall/agent/v1/Revert.js';
import type { StartShard__Output } from '../proto/generated/squall/agent/v1/StartShard.js';
import type { StopShard__Output } from '../proto/generated/squall/agent/v1/StopShard.js';
import { deviceToward } from './control-devices.js';
import { DEADLINE_GRACE_MS } from './fault-table.js';
import { peerAddress } from './peer.js';
import type { SessionContext } from './session.js';
import { parseShardConfig } from './shard-config.js';
import type { ShardSink } from './shards.js';

type Handled = Promise<void> | void;

function openedId(ctx: SessionContext, what: string): string {
  if (!ctx.state.id) throw new SquallError('SQUALL_USAGE', `open the session before ${what}`);
  return ctx.state.id;
}

async function open({ state, deps, peer, send, renew, register }: SessionContext, msg: OpenSession__Output) {
  if (state.id || state.opening) throw new SquallError('SQUALL_USAGE', 'session already open');
  state.opening = true;
  // The controller's own address is never cut off (the control channel is never partitioned),
  // nor the device the agent reaches it over shaped (tc.*).
  const peerIp = peerAddress(peer);
  if (peerIp) {
    deps.policy.protect({ addresses: [peerIp] });
    const device = await deviceToward(peerIp).catch((err: Error) => {
      deps.log(`session (${peer}): cannot tell which device reaches the controller: ${err.message}`);
      return undefined;
    });
    if (device) deps.policy.reach.protectDevices([device]);
  }
  if (state.ended) return;
  const id = randomUUID();
  state.id = id;
  state.ttlMs = deps.policy.ttlMs(msg.ttl_ms || 5000);
  register(id);
  deps.log(`session ${id} opened by ${msg.controller || 'a controller'} (${peer}), ttl ${state.ttlMs} ms`);
  send({ opened: { session_id: id, ttl_ms: state.ttlMs, agent_time_ms: deps.clock() } });
  renew(); // the lease starts now, not at the next message
}

async function inject(ctx: SessionContext, msg: Inject__Output) {
  const { state, deps } = ctx;
  const id = openedId(ctx, 'injecting');
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
        : deps.policy.policy.maxDuration;
  const { fault, deadlineAtMs } = await deps.table.inject({
    sessionId: id,
    faultId: msg.fault_id,
    kind: msg.kind,
    target: fromWireTarget(msg.target),
    params,
    durationMs,
    hardDeadlineMs,
  });
  if (state.ended || state.finished) {
    // The session ended (or its lease ran out) while this fault was being applied.
    await deps.table.revert(msg.fault_id);
    throw new SquallError(
      'SQUALL_LEASE_EXPIRED',
      `session ${id} ended while ${msg.fault_id} was applied; reverted it`,
    );
  }
  const agentTime = deps.clock();
  deps.log(`session ${id}: injected ${msg.kind} (${msg.fault_id}) on ${fault.where}`);
  ctx.send({
    injected: {
      request_id: msg.request_id,
      fault_id: msg.fault_id,
      where: fault.where,
      remove_command: fault.removeCommand,
      agent_time_ms: agentTime,
      hard_deadline_at_ms: deadlineAtMs,
    },
  });
}

async function revert(ctx: SessionContext, msg: Revert__Output) {
  const { table, log } = ctx.deps;
  const id = openedId(ctx, 'reverting');
  const owner = table.sessionOf(msg.fault_id);
  if (owner !== undefined && owner !== id) {
    throw new SquallError(
      'SQUALL_AGENT_POLICY_DENIED',
      `fault '${msg.fault_id}' belongs to another session; a session reverts only its own faults (the other session's lease and the fault's hard deadline revert it)`,
    );
  }
  await table.revert(msg.fault_id);
  log(`session ${id}: reverted ${msg.fault_id}`);
  ctx.send({ reverted: { request_id: msg.request_id, fault_id: msg.fault_id } });
}

function heartbeat(ctx: SessionContext, msg: Heartbeat__Output) {
  ctx.send({
    heartbeat_ack: {
      seq: msg.seq,
      controller_time_ms: msg.controller_time_ms,
      agent_time_ms: ctx.deps.clock(),
    },
  });
}

async function startShard(ctx: SessionContext, msg: StartShard__Output, sink: ShardSink) {
  const id = openedId(ctx, 'starting a shard');
  // Re-validated here: the agent does not trust a session to send what a controller validated.
  const config = parseShardConfig(msg.fleet_json);
  const { devices } = await ctx.deps.shards.start(id, msg.shard_id, config, sink);
  ctx.send({ shard_started: { request_id: msg.request_id, shard_id: msg.shard_id, devices } });
}

async function stopShard(ctx: SessionContext, msg: StopShard__Output, sink: ShardSink) {
  const id = openedId(ctx, 'stopping a shard');
  const snapshot = await ctx.deps.shards.stop(msg.shard_id, sink, id);
  ctx.send({
    shard_stopped: {
      request_id: msg.request_id,
      shard_id: msg.shard_id,
      snapshot_json: JSON.stringify(snapshot),
    },
  });
}

/** The handlers of one session. */
export function controlHandlers(ctx: SessionContext): ControlMessageHandlers<Handled> {
  // A shard's metrics go back over the session that started it.
  const sink: ShardSink = {
    metrics: (shardId, json) =>
      ctx.send({ metrics: { shard_id: shardId, json, agent_time_ms: ctx.deps.clock() } }),
  };
  return {
    open: (msg) => open(ctx, msg),
    inject: (msg) => inject(ctx, msg),
    revert: (msg) => revert(ctx, msg),
    heartbeat: (msg) => heartbeat(ctx, msg),
    start_shard: (msg) => startShard(ctx, msg, sink),
    stop_shard: (msg) => stopShard(ctx, msg, sink),
  };
}

/** A message with no member this agent knows (a newer controller's). */
export function unknownControlMessage(kind: string | undefined): never {
  throw new SquallError('SQUALL_USAGE', `unknown control message '${String(kind)}'`);
}

/** The request an Error reply answers, and the fault or shard it names. */
export interface RequestRef {
  requestId: string;
  subject: string;
}

/** Open and heartbeat are no requests: an Error about them names none. */
export const NO_REQUEST: RequestRef = { requestId: '', subject: '' };

export const requestNamedBy: ControlMessageHandlers<RequestRef> = {
  open: () => NO_REQUEST,
  heartbeat: () => NO_REQUEST,
  inject: (msg) => ({ requestId: msg.request_id, subject: msg.fault_id }),
  revert: (msg) => ({ requestId: msg.request_id, subject: msg.fault_id }),
  start_shard: (msg) => ({ requestId: msg.request_id, subject: msg.shard_id }),
  stop_shard: (msg) => ({ requestId: msg.request_id, subject: msg.shard_id }),
};
