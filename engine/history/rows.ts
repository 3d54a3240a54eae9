/**
 * A run's rows, from what every run leaves: the journal's `run.start` event (who, where, which
 * file, vars and tags as journaled, secrets already redacted there) and the run's summary
 * (reports/summary.ts: outcome, score, every SLO per window). Recording a run and importing its
 * journal later go through these same functions, so both give the same rows.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { reportFormats } from '../../reports/formats/catalog.js';
import type { RunSummary } from '../../reports/summary.js';
import type { RunStartEvent } from '../core/journal-events.js';
import { allowedBadOf } from './allowance.js';
import type { EndedRunRow, SloRow, StartedRunRow } from './types.js';

/** The run.start facts; what only a live run knows (pid, file hash, git, user) comes in `extra`. */
export function startedRunRow(
  start: RunStartEvent,
  extra: Partial<StartedRunRow> & Pick<StartedRunRow, 'journalPath' | 'recordedBy'>,
): StartedRunRow {
  const spec = (start.spec ?? {}) as { vars?: unknown; metadata?: { tags?: unknown } };
  const vars = spec.vars && typeof spec.vars === 'object' ? (spec.vars as Record<string, unknown>) : {};
  const tags = Array.isArray(spec.metadata?.tags)
    ? [...new Set(spec.metadata.tags.filter((t): t is string => typeof t === 'string'))]
    : [];
  return {
    id: start.runId,
    experiment: start.experiment,
    file: start.file,
    fileSha256: null,
    vars,
    tags,
    gitCommit: null,
    host: start.host,
    startedBy: null,
    pid: null,
    pidStart: null,
    startedAtMs: start.t,
    reportDir: null,
    squallVersion: start.squallVersion ?? null,
    suite: null,
    suiteDir: null,
    ...extra,
  };
}

/** Every SLO in every window, each row knowing the SLO's allowance and whether it is the verdict. */
export function sloRows(summary: RunSummary, spec: unknown): SloRow[] {
  return summary.slos.flatMap((slo, position) => {
    const allowedBad = allowedBadOf(spec, slo);
    return slo.windows.map((w) => ({
      slo: slo.name,
      window: w.window,
      ownWindow: w.window === slo.window,
      position,
      sli: slo.sli,
      objective: slo.objective,
      unit: slo.unit,
      expect: slo.expect ?? 'met',
      status: w.status,
      value: w.value,
      good: w.good,
      total: w.total,
      budgetConsumed: w.budgetConsumed,
      burnRate: w.burnRate,
      allowedBad,
    }));
  });
}

/** The reports a run directory holds, by the registered formats' file names. */
export function reportPathsIn(dir: string): string[] {
  return reportFormats
    .values()
    .map((f) => join(dir, f.fileName))
    .filter((p) => existsSync(p));
}

/**
 * The row's end from the summary. A journal without `run.end` is a run that did not finish:
 * `interrupted`, dated by its last event.
 */
export function endedRunRow(
  summary: RunSummary,
  spec: unknown,
  reportPaths: string[],
  lastEventMs: number | null,
): EndedRunRow {
  const finished = summary.outcome !== 'incomplete';
  return {
    state: finished ? 'finished' : 'interrupted',
    endedAtMs: summary.endedAt ? Date.parse(summary.endedAt) : lastEventMs,
    outcome: summary.outcome,
    exitCode: summary.exitCode,
    hypothesis: summary.hypothesis,
    score: summary.resilienceScore,
    leftovers: summary.leftovers,
    reportPaths,
    slos: sloRows(summary, spec),
  };
}
