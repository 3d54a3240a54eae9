/**
 * Requests over an agent session, matched with their replies by request id: each request
 * gets a fresh id, and the agent's reply naming it (or an Error naming it) settles it. Once
 * the session is lost every open request fails with the reason, and later ones fail at once
 * with the first reason.
 */
import type { AgentEventBody } from '../../agents/proto/decode.js';
import type { AgentEvent__Output } from '../../agents/proto/generated/squall/agent/v1/AgentEvent.js';
import type { ControlMessage } from '../../agents/proto/generated/squall/agent/v1/ControlMessage.js';
import type { Error__Output } from '../../agents/proto/generated/squall/agent/v1/Error.js';
import { squallCode } from '../../agents/proto/grpc-status.js';
import { SquallError } from '../core/errors.js';

/** The replies that answer requests: inject → injected, revert → reverted, start/stop_shard → shard_*. */
export type ReplyName = 'injected' | 'reverted' | 'shard_started' | 'shard_stopped';

interface OpenRequest {
  settle(reply: AgentEvent__Output): void;
  fail(err: SquallError): void;
}

export interface SessionRequests {
  /** Sends the message built for a fresh request id; resolves with the agent's `expect` reply to it. */
  send<K extends ReplyName>(
    build: (requestId: string) => ControlMessage,
    expect: K,
  ): Promise<AgentEventBody<K>>;
  /** A reply arrived; one naming no open request is dropped (nobody waits for it any more). */
  settle(requestId: string, reply: AgentEvent__Output): void;
  /** The agent refused a request. */
  refused(error: Error__Output): void;
  /** The session is lost: every open request fails with `err`. */
  failAll(err: SquallError): void;
}

/** The body of the reply `expect`; the agent answering with another kind is a bug on its side. */
function replyBody<K extends ReplyName>(reply: AgentEvent__Output, expect: K): AgentEventBody<K> {
  const body = reply[expect];
  if (body === undefined || body === null) {
    throw new SquallError('SQUALL_INTERNAL', `the agent answered '${reply.msg}' where '${expect}' was due`);
  }
  return body;
}

export function createSessionRequests(options: {
  /** The agent's name, for errors. */
  agent: string;
  write(message: ControlMessage): void;
  /** Why the session was lost, once it is. */
  lost(): SquallError | undefined;
}): SessionRequests {
  const open = new Map<string, OpenRequest>();
  let nextId = 1;

  const take = (requestId: string) => {
    const waiting = requestId ? open.get(requestId) : undefined;
    if (waiting) open.delete(requestId);
    return waiting;
  };

  return {
    send: (build, expect) =>
      new Promise((ok, fail) => {
        const requestId = String(nextId++);
        const lost = options.lost();
        if (lost) return fail(lost);
        open.set(requestId, {
          settle: (reply) => {
            try {
              ok(replyBody(reply, expect));
            } catch (err) {
              fail(err);
            }
          },
          fail,
        });
        options.write(build(requestId));
      }),
    settle: (requestId, reply) => take(requestId)?.settle(reply),
    refused: (error) =>
      take(error.request_id)?.fail(
        new SquallError(squallCode(error.code), `agent '${options.agent}': ${error.message}`),
      ),
    failAll(err) {
      for (const waiting of open.values()) waiting.fail(err);
      open.clear();
    },
  };
}
