/**
 * Runs as the control room answers them: the history's rows (every run ever recorded, by any
 * `squall run` or server) merged with this server's own queued and live runs, whose state it
 * knows first-hand (queued runs are in no history yet; a live one may be paused).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunHistory } from '../../history/history.js';
import type { HistoryRun, HistoryRunDetail } from '../../history/types.js';
import type { Library } from './library.js';
import type { RunManager, ServedRun } from './run-manager.js';

export interface RunRow {
  runId: string;
  experiment: string;
  state: string;
  paused: boolean;
  outcome: string | null;
  exitCode: number | null;
  resilienceScore: number | null;
  startedAt: string | null;
  endedAt: string | null;
  startedBy: string | null;
  file: string;
  tags: string[];
}

export const REPORT_FILES = [
  'report.html',
  'summary.md',
  'postmortem.md',
  'journal.jsonl',
  'summary.json',
] as const;

export function servedRow(run: ServedRun): RunRow {
  return {
    runId: run.runId,
    experiment: run.experiment,
    state: run.state,
    paused: run.paused,
    outcome: run.outcome,
    exitCode: run.exitCode,
    resilienceScore: null,
    startedAt: run.startedAt ?? run.queuedAt,
    endedAt: run.endedAt,
    startedBy: run.startedBy,
    file: run.file,
    tags: run.tags,
  };
}

export function historyRow(run: HistoryRun, library: Library, served?: ServedRun): RunRow {
  return {
    runId: run.runId,
    experiment: run.experiment,
    // A live run's row says `running` until the end; the server knows better meanwhile.
    state: served && served.state !== 'finished' ? served.state : run.state,
    paused: served?.paused ?? false,
    outcome: run.outcome,
    exitCode: run.exitCode,
    resilienceScore: run.resilienceScore,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    startedBy: run.startedBy,
    file: library.relative(run.file),
    tags: run.tags,
  };
}

export interface ListQuery {
  experiment?: string;
  outcome?: string;
  tag?: string;
  limit: number;
}

export function listRunRows(history: RunHistory, runs: RunManager, library: Library, q: ListQuery): RunRow[] {
  const recorded = history.listRuns({
    experiment: q.experiment,
    outcome: q.outcome,
    tag: q.tag,
    limit: q.limit,
  });
  const seen = new Set(recorded.map((r) => r.runId));
  // Not yet in the history: queued, or cancelled before they started.
  const own = runs
    .list()
    .filter(
      (r) => !seen.has(r.runId) && (r.state === 'queued' || r.startedAt === null || r.state === 'running'),
    )
    .filter(
      (r) =>
        (q.experiment === undefined || r.experiment === q.experiment) &&
        (q.outcome === undefined || r.outcome === q.outcome) &&
        (q.tag === undefined || r.tags.includes(q.tag)),
    )
    .map(servedRow);
  const rows = [...own, ...recorded.map((r) => historyRow(r, library, runs.get(r.runId)))];
  return rows.slice(0, q.limit);
}

export interface RunDetail extends RunRow {
  slos: HistoryRunDetail['slos'];
  vars: Record<string, unknown>;
  hypothesis: string | null;
  leftovers: HistoryRunDetail['leftovers'];
  reports: {
    html: string | null;
    md: string | null;
    postmortem: string | null;
    journal: string | null;
    json: string | null;
  };
}

/** Where a run's files are: its report directory and journal. */
export interface RunFiles {
  dir: string | null;
  journal: string | null;
}

export function runDetail(
  run: RunRow & { vars: Record<string, unknown>; hypothesis: string | null },
  slos: RunDetail['slos'],
  leftovers: RunDetail['leftovers'],
  files: RunFiles,
): RunDetail {
  const url = (name: string) => {
    const path = name === 'journal.jsonl' ? files.journal : files.dir && join(files.dir, name);
    return path && existsSync(path) ? `/api/runs/${run.runId}/files/${name}` : null;
  };
  return {
    ...run,
    slos,
    leftovers,
    reports: {
      html: url('report.html'),
      md: url('summary.md'),
      postmortem: url('postmortem.md'),
      journal: url('journal.jsonl'),
      json: url('summary.json'),
    },
  };
}
