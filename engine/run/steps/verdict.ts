/**
 * The run's last steps: score the slices against the SLOs (a `verdict` when a baseline was
 * reached), then decide the exit code and outcome and close the journal with `run.end`.
 */
import { ExitCode } from '../../core/errors.js';
import type { VerdictEvent } from '../../core/journal-events.js';
import { enterPhase, type RunState } from '../run-state.js';
import { scoring } from '../scoring.js';
import type { RunOutcome, RunResult } from '../types.js';

export function score(state: RunState): void {
  const { bounds, collector } = state;
  enterPhase(state, 'score');
  if (bounds.baseline)
    bounds.run = [bounds.baseline[0], (bounds.recovery ?? bounds.fault ?? bounds.baseline)[1]];
  if (!collector || !bounds.run) return;
  const scored = scoring.score(state.experiment, collector.slices, bounds, state.faultWindows);
  state.verdict = state.emit(
    {
      type: 'verdict',
      hypothesis: scored.hypothesis,
      exitCode: scored.hypothesis === 'holds' ? ExitCode.ok : ExitCode.sloBreached,
      resilienceScore: scored.resilienceScore,
      slos: scored.slos,
    },
    { durable: true },
  ) as VerdictEvent;
}

/** Leftovers first (exit 5), then an abort, an error, a breach; otherwise the run passed. */
function outcomeOf(state: RunState): { exitCode: ExitCode; outcome: RunOutcome } {
  const { aborted, error, verdict } = state;
  if (state.leftovers.length > 0) return { exitCode: ExitCode.rollbackFailed, outcome: 'rollback_failed' };
  if (aborted && aborted.reason !== 'error') return { exitCode: ExitCode.aborted, outcome: 'aborted' };
  if (error)
    return {
      exitCode: error.exitCode,
      outcome: error.exitCode === ExitCode.invalidInput ? 'invalid' : 'error',
    };
  if (verdict && verdict.hypothesis !== 'holds')
    return { exitCode: ExitCode.sloBreached, outcome: 'slo_breached' };
  return { exitCode: ExitCode.ok, outcome: 'passed' };
}

export function endRun(state: RunState): RunResult {
  const { exitCode, outcome } = outcomeOf(state);
  enterPhase(state, 'done');
  state.emit({ type: 'run.end', exitCode, outcome }, { durable: true });
  state.journal.close();
  return {
    exitCode,
    outcome,
    journalPath: state.journal.path,
    verdict: state.verdict,
    leftovers: state.leftovers,
    error: state.secrets.scrubber.error(state.error),
    aborted: state.aborted,
  };
}
