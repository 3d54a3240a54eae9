/**
 * One controller session: the lease. The first message opens it (with the ttl the controller
 * asks for, clamped by policy); every message after that renews it. When nothing arrives for
 * the ttl, the agent reverts every fault the session injected — whether the controller is
 * frozen, its host lost power, or the network dropped it (Gremlin's dead-man's switch). When
 * the connection itself closes (the controller said goodbye, or died and its kernel closed the
 * socket), the agent does not wait for the lease: it reverts at once. The log names which.
 * This file holds the session's state and its lifecycle; the messages are decoded with the
 * generated types (agents/proto/decode.ts) and handled in session-handlers.ts, one small
 * handler per message type.
 */
import type * as grpc from '@grpc/grpc-js';
import { SquallError } from '../../engine/core/errors.js';
import { decodeControlMessage } from '../proto/decode.js';
import type { AgentEvent } from '../proto/generated/squall/agent/v1/AgentEvent.js';
import type { ControlMessage__Output } from '../proto/generated/squall/agent/v1/ControlMessage.js';
import { toGrpcError } from '../proto/grpc-status.js';
import type { AutoRevert, FaultTable } from './fault-table.js';
import type { PeerCall } from './peer.js';
import type { PolicyGate } from './policy.js';
import { controlHandlers, NO_REQUEST, requestNamedBy, unknownControlMessage } from './session-handlers.js';
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
  checkPeer(call: PeerCall): void;
}

export interface LiveSession {
  readonly id: string;
  notify(event: AutoRevert): void;
  /** Ends the stream from the agent's side (the agent is stopping; its faults are already reverted). */
  end(): void;
}

export type SessionCall = grpc.ServerDuplexStream<ControlMessage__Output, AgentEvent>;

/** Everything one session knows, in one place. */
export interface SessionState {
  /** Given when the session opens. */
  id: string | undefined;
  ttlMs: number;
  /** An open message is being handled: a second one is refused. */
  opening: boolean;
  /** The stream takes and sends nothing more. */
  ended: boolean;
  /** The session is over (lease ran out, connection closed): whatever is still being injected must not outlive it. */
  finished: boolean;
  lease: NodeJS.Timeout | undefined;
}

/** What a message handler may do with its session. */
export interface SessionContext {
  readonly state: SessionState;
  readonly deps: SessionDeps;
  /** The controller's grpc-js peer string, for the log. */
  readonly peer: string;
  send(event: AgentEvent): void;
  /** Starts the lease, or renews it. */
  renew(): void;
  /** Lists the opened session, so auto-reverts reach its stream and a stopping agent ends it. */
  register(id: string): void;
}

export function handleSession(call: SessionCall, deps: SessionDeps): void {
  const { table, log } = deps;
  const peer = call.getPeer();
  const state: SessionState = {
    id: undefined,
    ttlMs: 0,
    opening: false,
    ended: false,
    finished: false,
    lease: undefined,
  };

  // Only a listed controller may open a session; anything else it sends is never read.
  try {
    deps.checkPeer(call);
  } catch (err) {
    log(`session refused (${peer}): ${(err as Error).message}`);
    state.ended = true;
    call.emit('error', toGrpcError(err));
    return;
  }

  const send = (event: AgentEvent) => {
    if (!state.ended && !call.destroyed && call.writable) call.write(event);
  };
  const refuse = (requestId: string, faultId: string, err: unknown) => {
    const e = err instanceof SquallError ? err : new SquallError('SQUALL_INTERNAL', (err as Error).message);
    log(`session ${state.id ?? '-'} (${peer}): refused ${faultId || requestId}: ${e.code}: ${e.message}`);
    send({ error: { request_id: requestId, fault_id: faultId, code: e.code, message: e.message } });
  };
  /** Ends the session once, for the reason given: reverts its faults and stops its shards. */
  const finish = async (reason: string) => {
    const sessionId = state.id;
    if (state.finished) return;
    state.finished = true;
    if (!sessionId) return;
    if (state.lease) clearTimeout(state.lease);
    state.lease = undefined;
    log(
      `session ${sessionId} (${peer}): ${reason}; reverting its ${table.countOf(sessionId)} fault(s), stopping its shards`,
    );
    await table.revertSession(sessionId, reason); // each revert is sent while the stream is open
    deps.sessions.delete(sessionId);
    await deps.shards.stopSession(sessionId);
  };
  const expire = async (sessionId: string) => {
    await finish(
      `no heartbeat for ${state.ttlMs} ms, the connection still open (controller frozen, overloaded or cut off)`,
    );
    // Tell a controller that wakes up again that its lease is gone (it must open a new session).
    const open = !state.ended && !call.destroyed;
    state.ended = true;
    if (open) {
      call.emit(
        'error',
        toGrpcError(
          new SquallError(
            'SQUALL_LEASE_EXPIRED',
            `no heartbeat for ${state.ttlMs} ms: the agent reverted every fault of session ${sessionId}`,
          ),
        ),
      );
    }
  };
  const renew = () => {
    if (!state.id || state.ended || state.finished) return;
    if (state.lease) clearTimeout(state.lease);
    const sessionId = state.id;
    state.lease = setTimeout(() => {
      state.lease = undefined;
      void expire(sessionId);
    }, state.ttlMs);
  };
  const register = (id: string) =>
    deps.sessions.set(id, {
      id,
      notify: (e) => send({ fault_event: { fault_id: e.faultId, what: e.what, message: e.message } }),
      end: () => {
        void finish('ended by the agent, which is stopping');
        state.ended = true;
        if (!call.destroyed) call.end();
      },
    });

  const handlers = controlHandlers({ state, deps, peer, send, renew, register });
  call.on('data', (message: ControlMessage__Output) => {
    if (state.ended || state.finished) return; // a session whose lease ran out takes nothing more
    renew();
    const { requestId, subject } = decodeControlMessage(message, requestNamedBy, () => NO_REQUEST);
    void (async () => {
      try {
        await decodeControlMessage(message, handlers, unknownControlMessage);
      } catch (err) {
        refuse(requestId, subject, err);
      }
    })();
  });

  // The connection closed: nothing the controller injected outlives it. (A controller that falls
  // silent with the connection open is caught by the lease timer instead.)
  const closeSession = (reason: string) => {
    if (state.ended) return;
    state.ended = true;
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
