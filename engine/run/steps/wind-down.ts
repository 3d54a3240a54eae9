/**
 * The steps that run on every path out of the timeline (success, breach, guard trip, operator
 * abort, error): roll back what is still injected, let message counts settle, stop the sources
 * and take the environment down. A revert that still fails after retries is a leftover.
 */
import { closeWindow } from '../fault-task.js';
import { revertWithRetry } from '../rollback.js';
import { enterPhase, lastWindowEndMs, type RunState } from '../run-state.js';

/** Stops the timeline, lets in-flight injections settle, then reverts what is active, newest first. */
export async function rollBack(state: RunState): Promise<void> {
  const { bounds } = state;
  const endMs = Date.now();
  for (const key of ['baseline', 'fault', 'recovery'] as const) {
    const b = bounds[key];
    if (b && b[1] > endMs) b[1] = endMs;
  }
  state.timeline.abort(state.aborted ?? { reason: 'error', detail: 'run ended' });
  await Promise.allSettled(state.faultTasks);
  // The run ends where its last window does (the planned end, or where it was cut short);
  // slices from there on belong to rollback and settling, not to recovery.
  enterPhase(state, 'rollback', lastWindowEndMs(bounds));
  for (const record of [...state.active.values()].reverse()) {
    const result = await revertWithRetry(record, state.revertPolicy);
    if (result.ok) {
      state.active.delete(record.faultId);
      state.emit(
        {
          type: 'fault.reverted',
          faultId: record.faultId,
          name: record.name,
          kind: record.kind,
          attempts: result.attempts,
        },
        { durable: true },
      );
      closeWindow(state.faultWindows, record.name);
    } else {
      state.leftovers.push(result.leftover);
      state.emit(
        { type: 'fault.revert_failed', leftover: result.leftover, attempts: result.attempts },
        { durable: true },
      );
    }
  }
}

/**
 * Message counts are dated by send time and settle after the sink's grace: the sources keep
 * running (and the clock keeps closing slices, none of them scored) until every count dated
 * inside the run is final. Only then do they stop, and the environment comes down.
 */
export async function settleAndTearDown(state: RunState): Promise<void> {
  const { env, metrics, log } = state;
  const runEndMs = lastWindowEndMs(state.bounds);
  if (env && metrics && runEndMs !== undefined) {
    enterPhase(state, 'settle');
    await Promise.all(
      env.sources.map((source) =>
        Promise.resolve(source.settle?.(runEndMs)).catch((err: unknown) =>
          log(`settling ${source.name}: ${(err as Error).message}`),
        ),
      ),
    );
  }
  if (env) {
    for (const source of env.sources) {
      await Promise.resolve(source.stop?.()).catch((err: unknown) =>
        log(`stopping ${source.name}: ${(err as Error).message}`),
      );
    }
  }
  await metrics?.stop();
  await env?.teardown().catch((err: unknown) => log(`teardown: ${(err as Error).message}`));
  state.detachOperatorAbort();
}
