/**
 * One scheduled fault's life in a run: wait for its start, inject it, hold it for its duration,
 * revert it (with retries). What is still active when the run stops early is rolled back by
 * the runner.
 */
import { randomUUID } from 'node:crypto';
import { SquallError } from '../core/errors.js';
import type { ActiveFault } from '../core/faults.js';
import type { FaultSpec } from '../spec/schema.js';
import type { RunControls } from './controls.js';
import type { openJournal } from './journal.js';
import { type ActiveFaultRecord, type RevertPolicy, revertWithRetry } from './rollback.js';
import { sleepUntil } from './timing.js';
import type { RunEnvironment } from './types.js';

export interface FaultTaskContext {
  env: RunEnvironment;
  active: Map<string, ActiveFaultRecord>;
  emit: ReturnType<typeof openJournal>['append'];
  signal: AbortSignal;
  revertPolicy: RevertPolicy;
  /** The operator's pause holds the injection (controls.ts). */
  controls?: RunControls;
  /** When the fault window ends: an instantaneous fault held past it is skipped. */
  windowEndMs: number;
  onWindow(window: { name: string; startMs: number; endMs: number; instantaneous: boolean }): void;
  onFailure(error: SquallError): void;
}

/** One fault's life: wait for its start, inject, hold for its duration, revert. */
export async function runFault(
  fault: FaultSpec,
  windowStartMs: number,
  ctx: FaultTaskContext,
): Promise<void> {
  const plannedMs = windowStartMs + fault.at;
  try {
    await sleepUntil(plannedMs, ctx.signal);
  } catch {
    return; // aborted before it was due: nothing to inject
  }
  // Held while paused; it never runs past its planned end, so one held beyond it is skipped.
  const plannedEndMs = fault.duration === undefined ? ctx.windowEndMs : plannedMs + fault.duration;
  if (ctx.controls?.paused) {
    // The wait ends at the planned end: the fault window does not wait for a held fault.
    const slotOver = new AbortController();
    const timer = setTimeout(() => slotOver.abort(), Math.max(0, plannedEndMs - Date.now()));
    try {
      await ctx.controls.whenRunning(AbortSignal.any([ctx.signal, slotOver.signal]));
    } catch {
      if (ctx.signal.aborted) return;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() >= plannedEndMs || slotOver.signal.aborted) {
      ctx.emit({
        type: 'fault.skipped',
        name: fault.name,
        kind: fault.kind,
        reason: 'the run was paused until after its planned end',
      });
      return;
    }
  }
  const agent = fault.target.agent ?? 'local';
  const injector = ctx.env.injectors.get(agent);
  const faultId = `${fault.name}-${randomUUID().slice(0, 8)}`;
  let injected: ActiveFault;
  try {
    if (!injector) throw new SquallError('SQUALL_AGENT_UNREACHABLE', `no connection to agent '${agent}'`);
    injected = await injector.inject({
      faultId,
      kind: fault.kind,
      target: fault.target,
      params: fault.params,
      // What is left of its slot after a pause (the agent's hard deadline follows it).
      durationMs: fault.duration === undefined ? 0 : Math.max(0, plannedEndMs - Date.now()),
    });
  } catch (err) {
    const error =
      err instanceof SquallError
        ? err
        : new SquallError('SQUALL_FAULT_INJECT_FAILED', `${fault.name}: ${(err as Error).message}`, {
            cause: err,
          });
    ctx.emit(
      { type: 'fault.inject_failed', name: fault.name, kind: fault.kind, error: error.message },
      { durable: true },
    );
    ctx.onFailure(error);
    return;
  }
  const record: ActiveFaultRecord = {
    faultId,
    name: fault.name,
    kind: fault.kind,
    agent,
    injectedAtMs: Date.now(),
    fault: injected,
  };
  ctx.active.set(faultId, record);
  const injectedEvent = ctx.emit(
    {
      type: 'fault.injected',
      faultId,
      name: fault.name,
      kind: fault.kind,
      agent,
      target: { ...fault.target },
      plannedT: plannedMs,
      durationMs: fault.duration,
      where: injected.where,
      removeCommand: injected.removeCommand,
      ...(injected.clockOffsetMs !== undefined ? { clockOffsetMs: injected.clockOffsetMs } : {}),
    },
    { durable: true },
  );
  ctx.onWindow({
    name: fault.name,
    startMs: injectedEvent.t,
    endMs: fault.duration === undefined ? injectedEvent.t : plannedEndMs,
    instantaneous: fault.duration === undefined,
  });
  // A fault without a duration stays until rollback.
  if (fault.duration === undefined) return;
  try {
    await sleepUntil(plannedMs + fault.duration, ctx.signal);
  } catch {
    return; // aborted: rollback reverts it
  }
  const result = await revertWithRetry(record, ctx.revertPolicy);
  if (result.ok) {
    ctx.active.delete(faultId);
    ctx.emit(
      { type: 'fault.reverted', faultId, name: fault.name, kind: fault.kind, attempts: result.attempts },
      { durable: true },
    );
  }
  // A failed timed revert stays active: rollback tries again and names it if it still fails.
}

export function closeWindow(
  windows: { name: string; endMs: number; instantaneous: boolean }[],
  name: string,
) {
  const w = windows.find((x) => x.name === name && x.instantaneous);
  if (w) w.endMs = Date.now();
}
