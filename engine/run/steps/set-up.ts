/**
 * The run's first steps: journal what runs (`run.start`), then stand up what the experiment's
 * `system:` section names (through the `EnvironmentFactory` the composition root passed), watch
 * its remote agents, and start its metrics sources.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SQUALL_VERSION } from '../../core/version.js';
import { resolveRunbook } from '../../spec/runbook.js';
import { handOverLostAgent } from '../agent-loss.js';
import { enterPhase, failRun, type RunState } from '../run-state.js';

export function journalRunStart(state: RunState): void {
  const { options, experiment } = state;
  state.emit({
    type: 'run.start',
    runId: options.runId ?? randomUUID(),
    experiment: experiment.metadata.name,
    file: options.file,
    spec: state.secrets.journalSpec,
    runbook: resolveRunbook(options.file, experiment.metadata.runbook),
    squallVersion: SQUALL_VERSION,
    node: process.version,
    host: hostname(),
    plan: state.durations,
  });
  // The operator's actions from here on (and any taken while the run waited) are this run's.
  state.detachControls = options.controls?.attach((event) => state.emit(event));
}

export async function setUp(state: RunState): Promise<void> {
  const { options } = state;
  enterPhase(state, 'setup');
  state.live = state.secrets.resolve();
  const env = await options.environment(state.live, {
    runDir: options.outDir,
    log: state.log,
    file: options.file,
    sliceMs: state.sliceMs,
    source: options.source,
  });
  state.env = env;
  env.watchAgents?.((loss) => {
    // From rollback on the run ends anyway: what the lost agent held fails to revert, a leftover.
    if (
      state.phase === 'rollback' ||
      state.phase === 'settle' ||
      state.phase === 'score' ||
      state.phase === 'done'
    )
      return;
    failRun(state, handOverLostAgent(loss, state.active, state.emit));
  });
  state.runAbort.signal.throwIfAborted();
  for (const source of env.sources) await source.start?.();
}
