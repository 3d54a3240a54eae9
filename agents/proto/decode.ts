/**
 * The decoders of the session stream, one per side: a generated message's `oneof msg`
 * (proto-loader's `oneofs: true` names the member that is set) is handed to the handler for
 * that member, typed by the generated types. The agent decodes ControlMessage, the controller
 * AgentEvent; each side supplies one small handler per message type, and the compiler checks
 * that none is missing.
 */
import type { AgentEvent__Output } from './generated/squall/agent/v1/AgentEvent.js';
import type { ControlMessage__Output } from './generated/squall/agent/v1/ControlMessage.js';

/** A generated message whose `msg` names one of its own fields (the oneof member that is set). */
type Oneof<M> = { msg?: keyof M };

/** The names of a oneof message's members. */
export type MemberName<M extends Oneof<M>> = NonNullable<M['msg']>;

/** One handler per member, each given that member's body. */
export type MemberHandlers<M extends Oneof<M>, R> = {
  [K in MemberName<M>]: (body: NonNullable<M[K]>) => R;
};

function handleMember<M extends Oneof<M>, K extends MemberName<M>, R>(
  message: M,
  kind: K,
  handlers: MemberHandlers<M, R>,
  unknown: (kind: string | undefined) => R,
): R {
  const body = message[kind];
  if (body === undefined || body === null) return unknown(String(kind));
  return handlers[kind](body);
}

/**
 * Calls the handler of the member that is set; `unknown` when none is (a message from a newer
 * peer whose member this side does not know decodes with no member set).
 */
function decodeOneof<M extends Oneof<M>, R>(
  message: M,
  handlers: MemberHandlers<M, R>,
  unknown: (kind: string | undefined) => NoInfer<R>,
): R {
  const kind = message.msg;
  return kind === undefined ? unknown(undefined) : handleMember(message, kind, handlers, unknown);
}

/** What the controller sends: open, inject, revert, heartbeat, start_shard, stop_shard. */
export type ControlMessageHandlers<R> = MemberHandlers<ControlMessage__Output, R>;

/** The agent's decoder. */
export function decodeControlMessage<R>(
  message: ControlMessage__Output,
  handlers: ControlMessageHandlers<R>,
  unknown: (kind: string | undefined) => NoInfer<R>,
): R {
  return decodeOneof(message, handlers, unknown);
}

/** What the agent sends: opened, injected, reverted, error, heartbeat_ack, fault_event, metrics, shard_*. */
export type AgentEventName = MemberName<AgentEvent__Output>;
export type AgentEventHandlers<R> = MemberHandlers<AgentEvent__Output, R>;
/** The body of one kind of agent event. */
export type AgentEventBody<K extends AgentEventName> = NonNullable<AgentEvent__Output[K]>;

/** The controller's decoder. */
export function decodeAgentEvent<R>(
  event: AgentEvent__Output,
  handlers: AgentEventHandlers<R>,
  unknown: (kind: string | undefined) => NoInfer<R>,
): R {
  return decodeOneof(event, handlers, unknown);
}
