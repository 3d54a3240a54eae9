/**
 * The local agent: runs fault drivers in the runner's own process, behind the same inject/revert
 * shape a gRPC agent hosts (agents/server wraps one of these). It resolves targets against the
 * managed processes and proxies it was given, validates params with the driver's schema, and
 * keeps every injected fault until it is reverted so `revertAll` can undo what is left.
 */
import { z } from 'zod';
import { closest } from '../../engine/core/did-you-mean.js';
import { type Leftover, RollbackError, SquallError } from '../../engine/core/errors.js';
import type {
  ActiveFault,
  FaultContext,
  InjectRequest as FaultRequest,
  FaultTarget,
  ManagedProcess,
  ProxyHandle,
} from '../../engine/core/faults.js';
import { hasExited, procArgv } from '../../engine/core/processes.js';
import { faultDrivers } from '../faults/catalog.js';
import { readPidFile } from '../faults/pid-file.js';
import { createProcessGuard, type ProcessGuard } from '../faults/process-guard.js';

export interface LocalAgentOptions {
  /** Looked up at each request, so the map may be filled after the agent is created. */
  processes: Map<string, ManagedProcess>;
  proxies: Map<string, ProxyHandle>;
  /** What is never signalled; default: the built-in rules and DEFAULT_PROCESS_PROTECTION. */
  guard?: ProcessGuard;
  log?: (message: string) => void;
}

/** The runner's request (params in human units, parsed here with the driver's schema), and where its ledger state goes. */
export interface InjectRequest extends FaultRequest {
  /** Where the driver's `ctx.record` state goes (the gRPC agent's ledger); default: nowhere. */
  record?: (state: Record<string, unknown>) => void;
}

/** A fault injected and not yet reverted. */
export interface ActiveFaultInfo {
  faultId: string;
  kind: string;
  where: string;
  removeCommand: string;
}

export interface LocalAgent {
  /**
   * Injects one fault. Errors: SQUALL_FAULT_UNKNOWN, SQUALL_SPEC_INVALID (params or target keys),
   * SQUALL_TARGET_NOT_FOUND, SQUALL_FAULT_INJECT_FAILED (the driver failed). The returned
   * fault's `revert` is idempotent; it rejects with SQUALL_ROLLBACK_FAILED and may be retried.
   */
  inject(req: InjectRequest): Promise<ActiveFault>;
  active(): ActiveFaultInfo[];
  /** Reverts every active fault, newest first; throws `RollbackError` listing what stayed. */
  revertAll(): Promise<void>;
}

interface ActiveEntry extends ActiveFaultInfo {
  revert(): Promise<void>;
  inFlight?: Promise<void> | undefined;
}

const TARGET_KEYS: readonly (keyof FaultTarget)[] = ['process', 'pid', 'pidFile', 'proxy', 'host'];

/** Resolves fault targets against the processes and proxies an agent was given. */
export interface TargetResolver {
  resolveProcess(target: FaultTarget): ManagedProcess;
  resolveProxy(target: FaultTarget): ProxyHandle;
  assertMaySignal: ProcessGuard['assertMaySignal'];
}

/** Target resolution shared by the local agent and the gRPC agent (which also needs it for ledger replay). */
export function createTargetResolver(options: LocalAgentOptions): TargetResolver {
  const log = options.log ?? (() => {});

  const notFound = (what: string, name: string, known: string[], section: string) => {
    const near = closest(name, known);
    return new SquallError(
      'SQUALL_TARGET_NOT_FOUND',
      `no ${what} '${name}'${near ? ` (did you mean '${near}'?)` : ''}; ${section} has: ${known.length ? known.join(', ') : 'none'}`,
    );
  };

  const guard = options.guard ?? createProcessGuard();
  const bareProcess = (pid: number, origin: string): ManagedProcess => {
    // Before the liveness check: to kill(2), pids ≤ 0 are process groups, not "not found".
    if (!Number.isInteger(pid) || pid <= 1) guard.assertMaySignal(pid, `pid ${pid}${origin}`);
    if (hasExited(pid))
      throw new SquallError('SQUALL_TARGET_NOT_FOUND', `no running process with pid ${pid}${origin}`);
    return {
      name: `pid ${pid}`,
      argv: procArgv(pid),
      pid: () => (hasExited(pid) ? undefined : pid),
      // Squall did not start it, so it cannot start it again.
      restart: async () => log(`pid ${pid} is not managed by squall; nothing to restart`),
    };
  };

  const resolveProcess = (target: FaultTarget): ManagedProcess => {
    if (target.process !== undefined) {
      const p = options.processes.get(target.process);
      if (!p)
        throw notFound('managed process', target.process, [...options.processes.keys()], 'system.processes');
      return p;
    }
    if (target.pid !== undefined) return bareProcess(target.pid, '');
    if (target.pidFile !== undefined) {
      return bareProcess(readPidFile(target.pidFile), ` (from ${target.pidFile})`);
    }
    throw new SquallError('SQUALL_SPEC_INVALID', 'target names no process: give process, pid or pidFile');
  };

  const resolveProxy = (target: FaultTarget): ProxyHandle => {
    if (target.proxy === undefined) throw new SquallError('SQUALL_SPEC_INVALID', 'target names no proxy');
    const p = options.proxies.get(target.proxy);
    if (!p) throw notFound('proxy', target.proxy, [...options.proxies.keys()], 'system.proxies');
    return p;
  };
  return { resolveProcess, resolveProxy, assertMaySignal: (pid, label) => guard.assertMaySignal(pid, label) };
}

export function createLocalAgent(options: LocalAgentOptions): LocalAgent {
  const log = options.log ?? (() => {});
  const active = new Map<string, ActiveEntry>();
  const resolver = createTargetResolver(options);

  /** Concurrent calls share one attempt; a failed attempt is forgotten so a later call retries. */
  const revertOne = (faultId: string): Promise<void> => {
    const entry = active.get(faultId);
    if (!entry) return Promise.resolve(); // already reverted
    entry.inFlight ??= (async () => {
      try {
        await entry.revert();
      } catch (err) {
        throw new SquallError(
          'SQUALL_ROLLBACK_FAILED',
          `revert of ${entry.kind} (${faultId}) on ${entry.where} failed: ${(err as Error).message}; remove with: ${entry.removeCommand}`,
          { cause: err },
        );
      } finally {
        entry.inFlight = undefined;
      }
      active.delete(faultId);
      log(`[${faultId}] reverted ${entry.kind}`);
    })();
    return entry.inFlight;
  };

  return {
    async inject(req) {
      const driver = faultDrivers.get(req.kind);
      if (!driver) throw new SquallError('SQUALL_FAULT_UNKNOWN', faultDrivers.unknownMessage(req.kind));
      if (active.has(req.faultId)) {
        throw new SquallError(
          'SQUALL_INTERNAL',
          `fault id '${req.faultId}' is already active on the local agent`,
        );
      }
      if (req.target.agent !== undefined && req.target.agent !== 'local') {
        throw new SquallError(
          'SQUALL_TARGET_NOT_FOUND',
          `target.agent '${req.target.agent}' is not the local agent (omit it or write 'local')`,
        );
      }
      if (!driver.targets.some((key) => req.target[key] !== undefined)) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `${req.kind} needs target.${driver.targets.join(', target.')} (one of them); got ${describeTarget(req.target)}`,
        );
      }
      const parsed = driver.params.safeParse(req.params ?? {});
      if (!parsed.success) {
        throw new SquallError(
          'SQUALL_SPEC_INVALID',
          `${req.kind} (${req.faultId}): invalid params: ${z.prettifyError(parsed.error)}`,
        );
      }

      const ctx: FaultContext = {
        faultId: req.faultId,
        target: req.target,
        durationMs: req.durationMs,
        resolveProcess: resolver.resolveProcess,
        resolveProxy: resolver.resolveProxy,
        assertMaySignal: resolver.assertMaySignal,
        record: req.record ?? (() => {}),
        log: (message) => log(`[${req.faultId}] ${message}`),
      };
      let fault: ActiveFault;
      try {
        fault = await driver.inject(ctx, parsed.data);
      } catch (err) {
        if (
          err instanceof SquallError &&
          (err.code === 'SQUALL_TARGET_NOT_FOUND' ||
            err.code === 'SQUALL_TARGET_PROTECTED' ||
            err.code === 'SQUALL_SPEC_INVALID' ||
            err.code === 'SQUALL_NETEM_UNAVAILABLE')
        ) {
          throw err;
        }
        throw new SquallError(
          'SQUALL_FAULT_INJECT_FAILED',
          `${req.kind} (${req.faultId}) on ${describeTarget(req.target)}: ${(err as Error).message}`,
          { cause: err },
        );
      }

      const entry: ActiveEntry = {
        faultId: req.faultId,
        kind: req.kind,
        where: `local agent, ${fault.where}`,
        removeCommand: fault.removeCommand,
        revert: () => fault.revert(),
      };
      active.set(req.faultId, entry);
      log(`[${req.faultId}] injected ${req.kind} on ${entry.where}`);

      return {
        where: entry.where,
        removeCommand: entry.removeCommand,
        revert: () => revertOne(req.faultId),
      };
    },

    active() {
      return [...active.values()].map(({ faultId, kind, where, removeCommand }) => ({
        faultId,
        kind,
        where,
        removeCommand,
      }));
    },

    async revertAll() {
      const leftovers: Leftover[] = [];
      for (const entry of [...active.values()].reverse()) {
        try {
          await revertOne(entry.faultId);
        } catch (err) {
          const cause = (err as Error).cause;
          leftovers.push({
            faultId: entry.faultId,
            kind: entry.kind,
            where: entry.where,
            removeCommand: entry.removeCommand,
            error: cause instanceof Error ? cause.message : (err as Error).message,
          });
        }
      }
      if (leftovers.length > 0) throw new RollbackError(leftovers);
    },
  };
}

function describeTarget(target: FaultTarget): string {
  const parts = TARGET_KEYS.filter((k) => target[k] !== undefined).map((k) => `${k} ${target[k]}`);
  return parts.length ? parts.join(', ') : 'an empty target';
}
