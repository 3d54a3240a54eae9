/**
 * Rollback: revert every fault still active, retrying each revert, and name whatever could
 * not be undone (where it lives, how to remove it by hand). Reverts run in reverse order of
 * injection so stacked faults unwind like a stack.
 */

import type { Leftover } from '../core/errors.js';
import type { ActiveFault } from '../core/faults.js';
import { sleepMs } from './timing.js';

/** A fault the runner has injected and not yet reverted. */
export interface ActiveFaultRecord {
  faultId: string;
  name: string;
  kind: string;
  agent: string;
  injectedAtMs: number;
  fault: ActiveFault;
}

export interface RevertPolicy {
  attempts: number;
  backoffMs: number;
}

export const DEFAULT_REVERT_POLICY: RevertPolicy = { attempts: 3, backoffMs: 250 };

export type RevertResult =
  | { ok: true; attempts: number }
  | { ok: false; attempts: number; leftover: Leftover };

/** Reverts one fault, retrying with linear backoff; never throws. */
export async function revertWithRetry(
  record: ActiveFaultRecord,
  policy: RevertPolicy = DEFAULT_REVERT_POLICY,
): Promise<RevertResult> {
  let lastError = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      await record.fault.revert();
      return { ok: true, attempts: attempt };
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      if (attempt < policy.attempts) await sleepMs(policy.backoffMs * attempt);
    }
  }
  return {
    ok: false,
    attempts: policy.attempts,
    leftover: {
      faultId: record.faultId,
      kind: record.kind,
      // The local agent already says "local agent" in `where`; remote faults name their agent.
      where: record.agent === 'local' ? record.fault.where : `agent ${record.agent}, ${record.fault.where}`,
      removeCommand: record.fault.removeCommand,
      error: lastError,
    },
  };
}

/** Human lines for faults that may still be active (the second Ctrl-C prints these). */
export function describeActive(records: Iterable<ActiveFaultRecord>): string[] {
  return [...records].map(
    (r) =>
      `${r.kind} '${r.name}' (${r.faultId}) on ${r.agent}, ${r.fault.where}\n    remove with: ${r.fault.removeCommand}`,
  );
}
