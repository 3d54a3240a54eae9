/**
 * The suite's `summary.json`: one document for the game day, built from what the suite runner
 * recorded and each experiment's own summary (reports/summary.ts). Each experiment keeps its
 * full reports in its directory; this document carries its verdict, score and SLO results.
 * Bump SUITE_SUMMARY_SCHEMA_VERSION on a breaking change; adding a field is not breaking.
 */

import { ExitCode } from '../engine/core/errors.js';
import type { SloResult } from '../engine/core/journal-events.js';
import type { RunSummary } from './summary.js';

const SUITE_SUMMARY_SCHEMA_VERSION = 1;

/** What happened to one experiment of the suite. */
export interface SuiteEntryResult {
  name: string;
  /** The experiment file as the suite names it. */
  file: string;
  vars: Record<string, string>;
  /** Its output directory, relative to the suite's. */
  dir: string;
  status: 'ran' | 'skipped';
  /** Null when skipped. */
  exitCode: number | null;
  outcome: RunSummary['outcome'] | null;
  skipReason: string | null;
  summary: RunSummary | null;
}

/** What the suite runner records; `buildSuiteSummary` turns it into the report document. */
export interface SuiteRecord {
  suite: string;
  description: string | null;
  runbook: string | null;
  file: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  continueOnFailure: boolean;
  /** The operator stopped the suite (Ctrl-C / SIGTERM). */
  interrupted: boolean;
  /** The worst exit code of the experiments that ran. */
  exitCode: number;
  experiments: SuiteEntryResult[];
}

export type SuiteOutcome = 'passed' | 'slo_breached' | 'invalid' | 'aborted' | 'error' | 'rollback_failed';

const OUTCOME_BY_EXIT: Record<number, SuiteOutcome> = {
  [ExitCode.ok]: 'passed',
  [ExitCode.sloBreached]: 'slo_breached',
  [ExitCode.invalidInput]: 'invalid',
  [ExitCode.aborted]: 'aborted',
  [ExitCode.infrastructure]: 'error',
  [ExitCode.rollbackFailed]: 'rollback_failed',
};

/** One experiment in the report: what the runner recorded, plus its own summary's headline. */
export interface SuiteExperimentSummary extends Omit<SuiteEntryResult, 'summary'> {
  hypothesis: RunSummary['hypothesis'];
  resilienceScore: number | null;
  durationMs: number | null;
  runbook: string | null;
  aborted: RunSummary['aborted'];
  infrastructureError: RunSummary['infrastructureError'];
  slos: SloResult[];
}

/** The report document: the record's headline fields, the outcome, and each experiment's summary. */
export interface SuiteSummary extends Omit<SuiteRecord, 'experiments'> {
  schemaVersion: typeof SUITE_SUMMARY_SCHEMA_VERSION;
  kind: 'Suite';
  /** The worst of the parts (see run-suite.ts). */
  outcome: SuiteOutcome;
  /** Mean of the resilience scores of the experiments that ran; null when none did. */
  resilienceScore: number | null;
  counts: { experiments: number; passed: number; failed: number; skipped: number };
  experiments: SuiteExperimentSummary[];
}

function suiteOutcome(exitCode: number): SuiteOutcome {
  return OUTCOME_BY_EXIT[exitCode] ?? 'error';
}

export function buildSuiteSummary(record: SuiteRecord): SuiteSummary {
  const experiments = record.experiments.map(
    ({ summary, ...e }): SuiteExperimentSummary => ({
      ...e,
      hypothesis: summary?.hypothesis ?? null,
      resilienceScore: summary?.resilienceScore ?? null,
      durationMs: summary?.durationMs ?? null,
      runbook: summary?.runbook ?? null,
      aborted: summary?.aborted ?? null,
      infrastructureError: summary?.infrastructureError ?? null,
      slos: summary?.slos ?? [],
    }),
  );
  const scores = experiments.flatMap((e) => (e.resilienceScore === null ? [] : [e.resilienceScore]));
  const ran = experiments.filter((e) => e.status === 'ran');
  return {
    schemaVersion: SUITE_SUMMARY_SCHEMA_VERSION,
    kind: 'Suite',
    suite: record.suite,
    description: record.description,
    runbook: record.runbook,
    file: record.file,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: record.durationMs,
    outcome: suiteOutcome(record.exitCode),
    exitCode: record.exitCode,
    continueOnFailure: record.continueOnFailure,
    interrupted: record.interrupted,
    resilienceScore: scores.length
      ? Math.round((10 * scores.reduce((a, b) => a + b, 0)) / scores.length) / 10
      : null,
    counts: {
      experiments: experiments.length,
      passed: ran.filter((e) => e.exitCode === ExitCode.ok).length,
      failed: ran.filter((e) => e.exitCode !== ExitCode.ok).length,
      skipped: experiments.length - ran.length,
    },
    experiments,
  };
}
