/**
 * Every fault active on a gRPC agent, across sessions: policy first, then the ledger entry
 * (fsynced) before the fault is applied, the hard deadline the agent enforces on its own, and
 * the ledger entry removed after the revert. Target resolution, parameter validation and
 * per-fault bookkeeping are the local agent's (`createLocalAgent`), reused as is.
 */
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { ActiveFault, FaultContext, FaultTarget } from '../../engine/core/faults.js';
import { faultDrivers } from '../faults/catalog.js';
import { createLocalAgent, createTargetResolver, type LocalAgentOptions } from '../local/local-agent.js';
import { FAULT_ID, type Ledger, type LedgerEntry } from './ledger.js';
import type { PolicyGate } from './policy.js';

/** How long a fault may outlive its planned duration before the agent reverts it on its own. */
export const DEADLINE_GRACE_MS = 10_000;

export interface TableInject {
  sessionId: string;
  faultId: string;
  kind: string;
  target: FaultTarget;
  params: unknown;
  durationMs: number;
  /** The agent reverts the fault on its own this long after applying it. */
  hardDeadlineMs: number;
}

/** Something the agent did without being asked. */
export interface AutoRevert {
  sessionId: string;
  faultId: string;
  what: 'deadline_reverted' | 'lease_reverted' | 'shutdown_reverted' | 'revert_failed';
  message: string;
}

/** What replaying the ledger at start-up found, entry by entry. */
export interface Recovery {
  /** Entries cleared: the driver undid the fault, or found nothing left to undo (its log line says which). */
  recovered: number;
  /** Entries that could not be undone; they stay in the ledger. */
  failed: { faultId: string; kind: string; error: string }[];
}

interface Entry {
  sessionId: string;
  kind: string;
  fault: ActiveFault;
  deadline: NodeJS.Timeout;
}

export interface FaultTable {
  inject(req: TableInject): Promise<{ fault: ActiveFault; deadlineAtMs: number }>;
  /** Reverts one fault and drops its ledger entry; idempotent. */
  revert(faultId: string): Promise<void>;
  /** Reverts every fault the session injected (lease expired or session over); `reason` is logged and sent. */
  revertSession(sessionId: string, reason: string): Promise<void>;
  /** How many faults the session holds. */
  countOf(sessionId: string): number;
  revertAll(): Promise<void>;
  count(): number;
  sessionOf(faultId: string): string | undefined;
  /** Replays the ledger: undoes what a previous agent process left. */
  recover(): Promise<Recovery>;
}

export function createFaultTable(options: {
  agent: LocalAgentOptions;
  ledger: Ledger;
  policy: PolicyGate;
  onAutoRevert: (event: AutoRevert) => void;
  log: (message: string) => void;
}): FaultTable {
  const { ledger, policy, log } = options;
  const local = createLocalAgent(options.agent);
  const resolver = createTargetResolver(options.agent);
  const entries = new Map<string, Entry>();
  /** Fault ids being applied right now: they count against maxConcurrentFaults already. */
  const applying = new Set<string>();

  const revert = async (faultId: string): Promise<void> => {
    const entry = entries.get(faultId);
    if (!entry) return;
    await entry.fault.revert(); // SQUALL_ROLLBACK_FAILED on failure; entry and ledger stay
    clearTimeout(entry.deadline);
    entries.delete(faultId);
    ledger.remove(faultId);
  };

  const autoRevert = async (
    faultId: string,
    what: 'deadline_reverted' | 'lease_reverted' | 'shutdown_reverted',
    why: string,
  ) => {
    const entry = entries.get(faultId);
    if (!entry) return;
    try {
      await revert(faultId);
      log(`[${faultId}] ${why}: reverted ${entry.kind}`);
      options.onAutoRevert({ sessionId: entry.sessionId, faultId, what, message: why });
    } catch (err) {
      log(`[${faultId}] ${why}: revert of ${entry.kind} FAILED: ${(err as Error).message}`);
      options.onAutoRevert({
        sessionId: entry.sessionId,
        faultId,
        what: 'revert_failed',
        message: (err as Error).message,
      });
    }
  };

  /** Ledger first, then the driver, then the hard deadline (policy already checked). */
  const apply = async (
    req: TableInject,
    driver: NonNullable<ReturnType<typeof faultDrivers.get>>,
    params: unknown,
  ): Promise<{ fault: ActiveFault; deadlineAtMs: number }> => {
    let entry: LedgerEntry = {
      faultId: req.faultId,
      kind: req.kind,
      target: req.target,
      params: req.params ?? {},
      durationMs: req.durationMs,
      recordedAtMs: Date.now(),
      sessionId: req.sessionId,
    };
    ledger.write(entry);
    // The driver's own record (a pid and its start time) lands in the ledger before the fault does.
    const record = (state: Record<string, unknown>) => {
      entry = { ...entry, state };
      ledger.write(entry);
    };
    let fault: ActiveFault;
    try {
      fault = await local.inject({ ...req, record });
    } catch (err) {
      // Drivers undo a half-applied fault before throwing; recover() makes sure anyway.
      await driver.recover?.(contextFor(entry), params).catch(() => {});
      ledger.remove(req.faultId);
      throw err;
    }
    const hardDeadlineMs = Math.min(req.hardDeadlineMs, policy.policy.maxDuration + DEADLINE_GRACE_MS);
    const deadline = setTimeout(
      () => void autoRevert(req.faultId, 'deadline_reverted', `hard deadline (${hardDeadlineMs} ms) passed`),
      hardDeadlineMs,
    );
    deadline.unref();
    entries.set(req.faultId, { sessionId: req.sessionId, kind: req.kind, fault, deadline });
    return { fault, deadlineAtMs: Date.now() + hardDeadlineMs };
  };

  return {
    async inject(req) {
      if (!FAULT_ID.test(req.faultId)) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `fault id '${req.faultId}' must match ${FAULT_ID.source}`,
        );
      }
      if (entries.has(req.faultId)) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `fault id '${req.faultId}' is already active on this agent`,
        );
      }
      const driver = faultDrivers.get(req.kind);
      if (!driver) throw new SquallError('SQUALL_FAULT_UNKNOWN', faultDrivers.unknownMessage(req.kind));
      const parsed = driver.params.safeParse(req.params ?? {});
      if (!parsed.success) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `${req.kind} (${req.faultId}): invalid params: ${z.prettifyError(parsed.error)}`,
        );
      }
      policy.check({
        kind: req.kind,
        target: req.target,
        durationMs: req.durationMs,
        reach: driver.reach?.(parsed.data, req.target) ?? {},
        activeCount: entries.size + applying.size,
      });
      if (applying.has(req.faultId)) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `fault id '${req.faultId}' is already being applied on this agent`,
        );
      }
      applying.add(req.faultId);
      try {
        return await apply(req, driver, parsed.data);
      } finally {
        applying.delete(req.faultId);
      }
    },

    revert,

    async revertSession(sessionId, reason) {
      const mine = [...entries].filter(([, e]) => e.sessionId === sessionId).map(([id]) => id);
      for (const faultId of mine.reverse()) await autoRevert(faultId, 'lease_reverted', reason);
    },
    countOf: (sessionId) => [...entries.values()].filter((e) => e.sessionId === sessionId).length,

    async revertAll() {
      // autoRevert tells each session what was reverted, before the agent ends its stream.
      for (const faultId of [...entries.keys()].reverse())
        await autoRevert(faultId, 'shutdown_reverted', 'the agent is stopping');
      for (const faultId of entries.keys())
        log(`[${faultId}] revert at shutdown failed (kept in the ledger for the next start)`);
    },

    count: () => entries.size,
    sessionOf: (faultId) => entries.get(faultId)?.sessionId,

    async recover() {
      let recovered = 0;
      const failed: Recovery['failed'] = [];
      for (const entry of ledger.entries()) {
        const driver = faultDrivers.get(entry.kind);
        try {
          if (!driver) throw new Error(`no driver '${entry.kind}' in this agent`);
          const params = driver.params.parse(entry.params);
          const found = driver.recover ? await driver.recover(contextFor(entry), params) : undefined;
          ledger.remove(entry.faultId);
          recovered++;
          log(
            `[${entry.faultId}] ledger: ${entry.kind} left by a previous agent process: ${typeof found === 'string' ? found : driver.recover ? 'reverted' : 'it ended with that process'}`,
          );
        } catch (err) {
          failed.push({ faultId: entry.faultId, kind: entry.kind, error: (err as Error).message });
          log(
            `[${entry.faultId}] ledger: could NOT revert ${entry.kind} left by a previous agent process (kept in ${ledger.dir}): ${(err as Error).message}`,
          );
        }
      }
      return { recovered, failed };
    },
  };

  function contextFor(entry: LedgerEntry): FaultContext {
    const { faultId, target, durationMs, state } = entry;
    return {
      faultId,
      target,
      durationMs,
      resolveProcess: resolver.resolveProcess,
      resolveProxy: resolver.resolveProxy,
      assertMaySignal: resolver.assertMaySignal,
      // Recovery undoes; it records nothing new.
      record: () => {},
      ...(state ? { recorded: state } : {}),
      log: (message) => log(`[${faultId}] ${message}`),
    };
  }
}
