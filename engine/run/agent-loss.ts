/**
 * What the runner does when the session to a remote agent is lost mid-run: it can no longer
 * inject or revert there, so the run stops (exit 4, SQUALL_AGENT_SESSION_LOST) instead of
 * showing faults as active that it no longer controls. The faults that agent still held are
 * handed over to the agent's own safety nets — its lease reverts them within the ttl while it
 * lives, its ledger when it restarts — and named in the journal with their removal commands,
 * so rollback does not report them as reverted (nor retry what cannot answer).
 */

import { SquallError } from '../core/errors.js';
import type { SessionLoss } from '../core/faults.js';
import type { openJournal } from './journal.js';
import type { ActiveFaultRecord } from './rollback.js';

export function handOverLostAgent(
  loss: SessionLoss,
  active: Map<string, ActiveFaultRecord>,
  emit: ReturnType<typeof openJournal>['append'],
): SquallError {
  const held = [...active.values()].filter((r) => r.agent === loss.agent);
  // Those the agent said it reverted (lease, deadline, shutdown) stay: rollback records them.
  const handedOver = held.filter((r) => !loss.revertedByAgent.has(r.faultId));
  for (const r of handedOver) active.delete(r.faultId);
  emit(
    {
      type: 'agent.session_lost',
      agent: loss.agent,
      message: loss.error.message,
      handedOver: handedOver.map((r) => ({
        faultId: r.faultId,
        name: r.name,
        kind: r.kind,
        where: r.fault.where,
        removeCommand: r.fault.removeCommand,
      })),
    },
    { durable: true },
  );
  const fate =
    handedOver.length === 0
      ? 'it held no fault of this run that it had not reverted'
      : `the agent reverts what it still held by itself — ${handedOver
          .map((r) => `${r.kind} '${r.name}' (${r.fault.where})`)
          .join(
            ', ',
          )} — by its lease while it runs, from its ledger when it restarts; check with 'squall agents ping ${loss.address}', or remove by hand: ${handedOver
          .map((r) => r.fault.removeCommand)
          .join('; ')}`;
  return new SquallError('SQUALL_AGENT_SESSION_LOST', `${loss.error.message}; the run stops: ${fate}`, {
    cause: loss.error,
  });
}
