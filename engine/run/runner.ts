/**
 * The runner: one experiment, start to finish. setup → preflight gate → baseline → fault
 * window → recovery → rollback → settle → score. Each step is a function of the run's state
 * (run-state.ts) in engine/run/steps; this file only puts them in order. The timeline steps
 * stop at the first throw (an abort, the gate, an error); the wind-down steps run on every path
 * out, so rollback always happens, and a revert that still fails after retries is a leftover
 * the run exits 5 naming. `createRunner` is pure of argv and process globals: the CLI wires
 * signals to `options.signal`.
 */
import { SquallError } from '../core/errors.js';
import type { ActiveFaultRecord } from './rollback.js';
import { createRunState, type RunState } from './run-state.js';
import { journalRunStart, setUp } from './steps/set-up.js';
import { baseline, faultWindow, preflight, recovery } from './steps/timeline.js';
import { endRun, score } from './steps/verdict.js';
import { rollBack, settleAndTearDown } from './steps/wind-down.js';
import type { Runner, RunOptions, RunResult } from './types.js';

export type {
  AbortReason,
  EnvironmentFactory,
  RunEnvironment,
  Runner,
  RunOptions,
  RunOutcome,
  RunProgress,
  RunResult,
} from './types.js';

type RunStep = (state: RunState) => Promise<void> | void;

/** In order, each after the last has returned; the first to throw ends the timeline. */
const TIMELINE: readonly RunStep[] = [setUp, preflight, baseline, faultWindow, recovery];

/** In order, whatever happened on the timeline. */
const WIND_DOWN: readonly RunStep[] = [rollBack, settleAndTearDown, score];

export function createRunner(options: RunOptions): Runner {
  const active = new Map<string, ActiveFaultRecord>();
  return {
    activeFaults: () => [...active.values()],
    run: () => execute(options, active),
  };
}

async function execute(options: RunOptions, active: Map<string, ActiveFaultRecord>): Promise<RunResult> {
  const state = createRunState(options, active);
  journalRunStart(state);
  try {
    for (const step of TIMELINE) await step(state);
  } catch (err) {
    recordTimelineError(state, err);
  }
  for (const step of WIND_DOWN) await step(state);
  return endRun(state);
}

/**
 * What stopped the timeline: the run's own abort reason is no error (it is journaled as the
 * abort); anything else is the run's error, journaled unless the preflight gate already said why.
 */
function recordTimelineError(state: RunState, err: unknown): void {
  const { runAbort } = state;
  if (runAbort.signal.aborted && err === runAbort.signal.reason) return;
  state.error ??=
    err instanceof SquallError
      ? err
      : new SquallError('SQUALL_INTERNAL', err instanceof Error ? (err.stack ?? err.message) : String(err), {
          cause: err,
        });
  if (state.aborted?.reason !== 'preflight') {
    state.emit({ type: 'error', code: state.error.code, message: state.error.message }, { durable: true });
  }
}
