/**
 * What the run history holds and answers, as the CLI's `--json` prints it and a server would
 * serve it (field names as in the control room's contract: `runId`, `state`, `resilienceScore`).
 * Times are ISO strings in answers and epoch ms in the rows written.
 */

import type { RunSummary } from '../../reports/summary.js';
import type { Leftover } from '../core/errors.js';
import type { SloResult, SloWindowResult } from '../core/journal-events.js';

/** `running` until the run ends; `interrupted` when its process died first (or its journal ends early). */
export type RunState = 'running' | 'finished' | 'interrupted';

/** A run's row as written when it starts (or is imported). */
export interface StartedRunRow {
  id: string;
  experiment: string;
  file: string;
  fileSha256: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  gitCommit: string | null;
  host: string;
  startedBy: string | null;
  pid: number | null;
  pidStart: string | null;
  startedAtMs: number;
  journalPath: string;
  reportDir: string | null;
  squallVersion: string | null;
  suite: string | null;
  suiteDir: string | null;
  recordedBy: 'run' | 'import';
}

/** One SLO in one window of one run. */
export interface SloRow {
  slo: string;
  window: SloWindowResult['window'];
  /** The window the SLO is judged by: its verdict. */
  ownWindow: boolean;
  position: number;
  sli: string;
  objective: string;
  unit: string;
  expect: 'met' | 'breached';
  status: SloWindowResult['status'];
  value: number | null;
  good: number;
  total: number;
  budgetConsumed: number | null;
  burnRate: number | null;
  /** Bad events the SLO's budget allowed in this run (allowance.ts); null: no event budget. */
  allowedBad: number | null;
}

/** What is added when the run ends. */
export interface EndedRunRow {
  state: Exclude<RunState, 'running'>;
  endedAtMs: number | null;
  outcome: RunSummary['outcome'] | 'interrupted';
  exitCode: number | null;
  hypothesis: RunSummary['hypothesis'];
  score: number | null;
  leftovers: Leftover[];
  reportPaths: string[];
  slos: SloRow[];
}

/** A run as the history answers it. */
export interface HistoryRun {
  runId: string;
  experiment: string;
  file: string;
  fileSha256: string | null;
  vars: Record<string, unknown>;
  tags: string[];
  gitCommit: string | null;
  host: string;
  startedBy: string | null;
  pid: number | null;
  state: RunState;
  outcome: string | null;
  exitCode: number | null;
  hypothesis: string | null;
  resilienceScore: number | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  leftovers: Leftover[];
  journalPath: string;
  reportDir: string | null;
  reportPaths: string[];
  squallVersion: string | null;
  suite: string | null;
  suiteDir: string | null;
  recordedBy: 'run' | 'import';
}

/** One SLO of a run with every window, as the run's summary has it. */
export interface HistorySlo {
  name: string;
  sli: string;
  objective: string;
  unit: string;
  expect: 'met' | 'breached';
  /** The SLO's own window and its verdict there. */
  window: SloResult['window'];
  status: SloResult['status'];
  value: number | null;
  budgetConsumed: number | null;
  allowedBad: number | null;
  windows: SloWindowResult[];
}

export interface HistoryRunDetail extends HistoryRun {
  slos: HistorySlo[];
}
