/**
 * The Session stream to one agent, which holds the lease: opened with the ttl asked for, kept
 * with a heartbeat every ttl/3 (session-heartbeat.ts). What the agent sends is decoded with the
 * generated types (agents/proto/decode.ts) and routed by one small handler per event: replies
 * to their requests (session-requests.ts), heartbeat acks to the clock estimate, metrics to
 * their shard, the faults the agent reverted on its own to the state below.
 * The session is lost when the stream ends or fails, or when nothing comes back for the ttl
 * (the agent is frozen, overloaded or cut off: its lease is running out too); `onSessionLost`
 * hears of it once, so the run can stop instead of trusting faults it no longer controls.
 */
import { hostname } from 'node:os';
import type { AgentEventHandlers } from '../../agents/proto/decode.js';
import { decodeAgentEvent } from '../../agents/proto/decode.js';
import type { AgentClient } from '../../agents/proto/generated/squall/agent/v1/Agent.js';
import type { Opened__Output } from '../../agents/proto/generated/squall/agent/v1/Opened.js';
import { fromGrpcError } from '../../agents/proto/grpc-status.js';
import { SquallError } from '../core/errors.js';
import type { SessionLoss } from '../core/faults.js';
import { SQUALL_VERSION } from '../core/version.js';
import { type ClockEstimate, roundTripSample } from './clock-estimate.js';
import { type Heartbeat, startHeartbeat } from './session-heartbeat.js';
import { createSessionRequests, type SessionRequests } from './session-requests.js';

/** What the controller knows of one session, in one place. */
export interface SessionState {
  /** Why the session was lost; set once, by the first reason. */
  lost: SquallError | undefined;
  /** `close()` was called: the session ending is no loss. */
  closing: boolean;
  /** Faults the agent reverted on its own (hard deadline, lease, shutdown), by fault id. */
  readonly revertedByAgent: Set<string>;
  /** Faults the agent said it failed to revert on its own. */
  readonly revertFailed: Set<string>;
  /** Where each shard's metrics go (the simulator's wire JSON), by shard id. */
  readonly shardReadings: Map<string, (wireJson: string) => void>;
}

export interface SessionOptions {
  /** The agent's name and address, for messages. */
  name: string;
  address: string;
  /** How long the agent may take to open the session. */
  timeoutMs: number;
  /** Lease ttl asked of the agent; it clamps to its policy. Default 5 s. */
  ttlMs?: number | undefined;
  /** Heartbeat period; default ttl / 3. */
  heartbeatMs?: number | undefined;
  clock: ClockEstimate;
  log: (message: string) => void;
  onFaultEvent?: ((event: { faultId: string; what: string; message: string }) => void) | undefined;
  onSessionLost?: ((loss: SessionLoss) => void) | undefined;
}

export interface AgentSession {
  readonly state: SessionState;
  readonly sessionId: string;
  /** The ttl the agent granted. */
  readonly ttlMs: number;
  readonly request: SessionRequests['send'];
  /** Ends the stream (the agent reverts whatever the session still holds), waiting up to the open timeout. */
  close(): Promise<void>;
}

function routeEvents(
  state: SessionState,
  requests: SessionRequests,
  options: SessionOptions,
  onOpened: (opened: Opened__Output) => void,
): AgentEventHandlers<void> {
  return {
    opened: onOpened,
    heartbeat_ack: (ack) =>
      options.clock.add(roundTripSample(ack.controller_time_ms, ack.agent_time_ms, Date.now())),
    fault_event: (fe) => {
      if (fe.what !== 'revert_failed') state.revertedByAgent.add(fe.fault_id);
      else state.revertFailed.add(fe.fault_id);
      options.log(`agent '${options.name}': ${fe.fault_id} ${fe.what}: ${fe.message}`);
      options.onFaultEvent?.({ faultId: fe.fault_id, what: fe.what, message: fe.message });
    },
    metrics: (m) => state.shardReadings.get(m.shard_id)?.(m.json),
    injected: (body) => requests.settle(body.request_id, { msg: 'injected', injected: body }),
    reverted: (body) => requests.settle(body.request_id, { msg: 'reverted', reverted: body }),
    shard_started: (body) => requests.settle(body.request_id, { msg: 'shard_started', shard_started: body }),
    shard_stopped: (body) => requests.settle(body.request_id, { msg: 'shard_stopped', shard_stopped: body }),
    error: (body) => requests.refused(body),
  };
}

/** Opens the session on `client`; rejects (the stream cancelled) when the agent does not open it. */
export async function openAgentSession(client: AgentClient, options: SessionOptions): Promise<AgentSession> {
  const { name, address, timeoutMs } = options;
  const call = client.Session();
  const state: SessionState = {
    lost: undefined,
    closing: false,
    revertedByAgent: new Set(),
    revertFailed: new Set(),
    shardReadings: new Map(),
  };
  const requests = createSessionRequests({
    agent: name,
    write: (m) => call.write(m),
    lost: () => state.lost,
  });
  let opened: Opened__Output | undefined;
  let heartbeat: Heartbeat | undefined;
  let resolveEnded: () => void = () => {};
  const ended = new Promise<void>((r) => {
    resolveEnded = r;
  });

  const lose = (err: SquallError) => {
    const first = state.lost === undefined;
    state.lost ??= err;
    heartbeat?.stop();
    requests.failAll(err);
    if (first && opened && !state.closing) {
      options.onSessionLost?.({
        agent: name,
        address,
        error: new SquallError(
          'SQUALL_AGENT_SESSION_LOST',
          `session to agent '${name}' (${address}) lost: ${err.message}`,
          { cause: err },
        ),
        revertedByAgent: state.revertedByAgent,
      });
    }
  };

  let onOpened: (o: Opened__Output) => void = () => {};
  const handlers = routeEvents(state, requests, options, (o) => onOpened(o));
  call.on('data', (event) => {
    heartbeat?.heard();
    decodeAgentEvent(event, handlers, () => {}); // an event this controller does not know: nothing waits for it
  });
  call.on('error', (err) => {
    lose(fromGrpcError(err, name));
    resolveEnded();
  });
  call.on('end', () => {
    lose(
      new SquallError(
        'SQUALL_AGENT_UNREACHABLE',
        `agent '${name}' ended the session (it is stopping, or refused the session)`,
      ),
    );
    resolveEnded();
  });

  opened = await new Promise<Opened__Output>((ok, fail) => {
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
    throw err;
  });

  const { ttl_ms: ttlMs, session_id: sessionId } = opened;
  heartbeat = startHeartbeat({
    periodMs: options.heartbeatMs ?? Math.max(50, Math.floor(ttlMs / 3)),
    ttlMs,
    beat: (seq) => call.write({ heartbeat: { seq, controller_time_ms: Date.now() } }),
    onSilent: () => {
      lose(
        new SquallError(
          'SQUALL_AGENT_UNREACHABLE',
          `no reply from agent '${name}' for ${ttlMs} ms, its lease's ttl (the agent is frozen, overloaded or cut off; its lease expires too)`,
        ),
      );
      call.cancel();
    },
  });

  return {
    state,
    sessionId,
    ttlMs,
    request: requests.send,
    async close() {
      state.closing = true;
      heartbeat?.stop();
      if (!state.lost) {
        call.end();
        await Promise.race([ended, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      }
      call.cancel();
    },
  };
}
