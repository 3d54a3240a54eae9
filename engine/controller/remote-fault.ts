/**
 * A fault injected by a remote agent over its session, seen from the controller: injected
 * with a hard deadline (the agent reverts on its own this long after applying it), reverted on
 * request — unless the agent already reverted it on its own, which it says over the session.
 */
import { toWireTarget } from '../../agents/proto/fault-target.js';
import { SquallError } from '../core/errors.js';
import type { ActiveFault, InjectRequest } from '../core/faults.js';
import type { AgentSession } from './agent-session.js';

export interface RemoteInjectRequest extends InjectRequest {
  /** The agent reverts on its own this long after applying (default duration + 10 s). */
  hardDeadlineMs?: number;
}

/** Which agent, for messages. */
export interface AgentPlace {
  name: string;
  address: string;
}

export async function injectRemoteFault(
  session: AgentSession,
  agent: AgentPlace,
  req: RemoteInjectRequest,
): Promise<ActiveFault> {
  const injected = await session.request(
    (requestId) => ({
      inject: {
        request_id: requestId,
        fault_id: req.faultId,
        kind: req.kind,
        target: toWireTarget(req.target),
        params_json: JSON.stringify(req.params ?? {}),
        duration_ms: req.durationMs,
        hard_deadline_ms: req.hardDeadlineMs ?? 0,
      },
    }),
    'injected',
  );
  const faultId = req.faultId;
  // A fault id may come back after a revert (retries, benches): only this injection's revert counts.
  session.state.revertedByAgent.delete(faultId);
  return {
    where: `agent ${agent.name} (${agent.address}), ${injected.where}`,
    removeCommand: injected.remove_command,
    revert: () => revertRemoteFault(session, agent, faultId),
  };
}

async function revertRemoteFault(session: AgentSession, agent: AgentPlace, faultId: string): Promise<void> {
  const { revertedByAgent, revertFailed } = session.state;
  if (revertedByAgent.has(faultId)) return;
  try {
    await session.request(
      (requestId) => ({ revert: { request_id: requestId, fault_id: faultId } }),
      'reverted',
    );
  } catch (err) {
    // The lease ran out: the agent reverted every fault of the session by itself and said so
    // for each; only one it reported as failed is still there.
    if (err instanceof SquallError && err.code === 'SQUALL_LEASE_EXPIRED' && !revertFailed.has(faultId)) {
      revertedByAgent.add(faultId);
      return;
    }
    if (err instanceof SquallError && err.code === 'SQUALL_AGENT_UNREACHABLE') {
      throw new SquallError(
        'SQUALL_ROLLBACK_FAILED',
        `lost the session to agent '${agent.name}' (${err.message}); a live agent reverts ${faultId} by itself when its lease (${session.ttlMs} ms) runs out, a restarted one from its ledger at start-up — check with 'squall agents ping ${agent.address}' (active faults)`,
        { cause: err },
      );
    }
    throw err;
  }
  revertedByAgent.add(faultId);
}
