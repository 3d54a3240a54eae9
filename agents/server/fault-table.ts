/**
 * Every fault active on a gRPC agent, across sessions: policy first, then the ledger entry
 * (fsynced) before the fault is applied, the hard deadline the agent enforces on its own, and
 * the ledger entry removed after the revert. Target resolution, parameter validation and
 * per-fault bookkeeping are the local agent's (`createLocalAgent`), reused as is.
 */
import { z } from 'zod';
import { SquallError } from '../../engine/errors.js';
import { type ActiveFault, type FaultContext, type FaultTarget, faultDrivers } from '../faults/driver.js';
import { createLocalAgent, createTargetResolver, type LocalAgentOptions } from '../local/local-agent.js';
import { FAULT_ID, type Ledger } from './ledger.js';
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
  what: 'deadline_reverted' | 'lease_reverted' | 'revert_failed';
  message: string;
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
  /** Reverts every fault the session injected (lease expired or session over). */
  revertSession(sessionId: string, why: 'lease_reverted'): Promise<void>;
  revertAll(): Promise<void>;
  count(): number;
  sessionOf(faultId: string): string | undefined;
  /** Replays the ledger: undoes what a previous agent process left. Returns how many were undone. */
  recover(): Promise<{ recovered: number; failed: { faultId: string; error: string }[] }>;
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

  const autoRevert = async (faultId: string, what: 'deadline_reverted' | 'lease_reverted', why: string) => {
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
    ledger.write({
      faultId: req.faultId,
      kind: req.kind,
      target: req.target,
      params: req.params ?? {},
      durationMs: req.durationMs,
      recordedAtMs: Date.now(),
      sessionId: req.sessionId,
    });
    let fault: ActiveFault;
    try {
      fault = await local.inject({ ...req });
    } catch (err) {
      // Drivers undo a half-applied fault before throwing; recover() makes sure anyway.
      await driver.recover?.(contextFor(req.faultId, req.target, req.durationMs), params).catch(() => {});
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

    async revertSession(sessionId, why) {
      const mine = [...entries].filter(([, e]) => e.sessionId === sessionId).map(([id]) => id);
      for (const faultId of mine.reverse())
        await autoRevert(faultId, why, 'lease expired (no heartbeat within ttl)');
    },

    async revertAll() {
      for (const faultId of [...entries.keys()].reverse()) {
        try {
          await revert(faultId);
        } catch (err) {
          log(`[${faultId}] revert at shutdown failed (kept in the ledger): ${(err as Error).message}`);
        }
      }
    },

    count: () => entries.size,
    sessionOf: (faultId) => entries.get(faultId)?.sessionId,

    async recover() {
      let recovered = 0;
      const failed: { faultId: string; error: string }[] = [];
      for (const entry of ledger.entries()) {
        const driver = faultDrivers.get(entry.kind);
        try {
          if (!driver) throw new Error(`no driver '${entry.kind}' in this agent`);
          const params = driver.params.parse(entry.params);
          await driver.recover?.(contextFor(entry.faultId, entry.target, entry.durationMs), params);
          ledger.remove(entry.faultId);
          recovered++;
          log(`[${entry.faultId}] ledger: reverted leftover ${entry.kind} from a previous agent process`);
        } catch (err) {
          failed.push({ faultId: entry.faultId, error: (err as Error).message });
          log(
            `[${entry.faultId}] ledger: could not revert leftover ${entry.kind}: ${(err as Error).message}`,
          );
        }
      }
      return { recovered, failed };
    },
  };

  function contextFor(faultId: string, target: FaultTarget, durationMs: number): FaultContext {
    return {
      faultId,
      target,
      durationMs,
      resolveProcess: resolver.resolveProcess,
      resolveProxy: resolver.resolveProxy,
      log: (message) => log(`[${faultId}] ${message}`),
    };
  }
}
