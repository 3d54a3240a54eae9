/**
 * `squall history` as text: tables padded to their widest cell (the terminal report's
 * `columns`), every number through the one formatter (engine/core/format.ts), so a value reads
 * the same here as in the run's own reports. User text (names, paths, tags) is escaped by the
 * command before it reaches the terminal.
 */

import { columns as paddedColumns } from '../../reports/terminal.js';
import {
  formatBudget,
  formatDuration,
  formatNumber,
  formatScore,
  formatStatus,
  formatTimestamp,
  sloObjective,
  sloValue,
} from '../core/format.js';
import type { BudgetReport, SloBudget } from './budget.js';
import type { ImportResult } from './import.js';
import type { ExperimentTrend } from './trend.js';
import type { HistoryRun, HistoryRunDetail } from './types.js';

/** Padded columns; an empty last cell leaves no trailing blanks. */
const columns = (rows: readonly (readonly string[])[]) => paddedColumns(rows).map((line) => line.trimEnd());

const shortId = (id: string) => id.slice(0, 8);

/** What a run came to: its outcome once finished, else its state. */
function result(run: Pick<HistoryRun, 'state' | 'outcome'>): string {
  return run.state === 'finished' ? (run.outcome ?? '—') : run.state;
}

export function renderRunList(runs: readonly HistoryRun[], path: string, limit: number): string {
  if (runs.length === 0) return `no runs match (history: ${path})\n`;
  const rows = columns([
    ['started', 'run', 'experiment', 'result', 'exit', 'score', 'time', 'tags'],
    ...runs.map((r) => [
      formatTimestamp(r.startedAt),
      shortId(r.runId),
      r.experiment,
      result(r),
      r.exitCode === null ? '—' : String(r.exitCode),
      formatScore(r.resilienceScore),
      formatDuration(r.durationMs),
      r.tags.join(', ') || '—',
    ]),
  ]);
  const more = runs.length === limit ? `; --limit N for more` : '';
  return `${rows.join('\n')}\n${runs.length} run(s), newest first${more} (history: ${path})\n`;
}

export function renderRunDetail(run: HistoryRunDetail): string {
  const vars = Object.entries(run.vars).map(([k, v]) => `${k}=${String(v)}`);
  const lines = [
    `run ${run.runId}: ${run.experiment}`,
    `  file     ${run.file}${run.fileSha256 ? ` (sha256 ${run.fileSha256.slice(0, 12)})` : ''}`,
    `  vars     ${vars.join(' ') || '—'}`,
    `  tags     ${run.tags.join(', ') || '—'}`,
    `  git      ${run.gitCommit ?? '—'}`,
    `  host     ${run.host}${run.pid === null ? '' : ` (pid ${run.pid})`}${run.startedBy ? `, by ${run.startedBy}` : ''}`,
    `  started  ${formatTimestamp(run.startedAt)}, ended ${formatTimestamp(run.endedAt)} (${formatDuration(run.durationMs)})`,
    `  result   ${result(run)}, exit ${run.exitCode ?? '—'}, score ${formatScore(run.resilienceScore)}`,
    ...(run.suite ? [`  suite    ${run.suite} (${run.suiteDir})`] : []),
    `  journal  ${run.journalPath}`,
    `  reports  ${run.reportDir ?? '—'}`,
    ...run.leftovers.map(
      (l) => `  LEFTOVER ${l.kind} (${l.faultId}) on ${l.where}; remove with: ${l.removeCommand}`,
    ),
  ];
  if (run.slos.length > 0) {
    lines.push(
      '',
      ...columns([
        ['SLO', 'window', 'value', 'objective', 'status', 'good/total', 'budget'],
        ...run.slos.flatMap((slo) =>
          slo.windows.map((w) => [
            w.window === slo.window ? slo.name : '',
            w.window === slo.window ? `${w.window} *` : w.window,
            sloValue(slo, w.value),
            sloObjective(slo),
            formatStatus(w.status, slo.expect),
            `${formatNumber(w.good)}/${formatNumber(w.total)}`,
            formatBudget(w.budgetConsumed),
          ]),
        ),
      ]),
      '* the window the SLO is judged by',
    );
  }
  return `${lines.join('\n')}\n`;
}

function budgetRows(slos: readonly SloBudget[]): string[] {
  return columns([
    [
      'SLO',
      'objective',
      'met',
      'as expected',
      'bad/events',
      'allowed bad',
      'budget consumed',
      'newest',
      'previous',
      '',
    ],
    ...slos.map((s) => [
      s.slo,
      sloObjective(s),
      `${s.met}/${s.runs}`,
      `${s.asExpected}/${s.runs}`,
      s.budgetedRuns > 0 ? `${formatNumber(s.bad)}/${formatNumber(s.total)}` : '—',
      s.allowedBad === null ? '—' : formatNumber(s.allowedBad),
      formatBudget(s.budgetConsumed),
      formatStatus(s.latest.status, s.expect),
      s.previous ? formatStatus(s.previous.status, s.expect) : '—',
      s.regressed ? 'REGRESSED' : '',
    ]),
  ]);
}

export function renderBudget(report: BudgetReport): string {
  if (report.slos.length === 0)
    return `${report.experiment}: no finished run with SLOs in the last ${report.days} days\n`;
  return `${[
    `${report.experiment}: error budget over the last ${report.days} days (since ${formatTimestamp(report.since)})`,
    'summed from raw counts: bad events / events over every run, against the bad events the budget allowed',
    ...budgetRows(report.slos),
  ].join('\n')}\n`;
}

export function renderTrend(trend: ExperimentTrend): string {
  if (trend.runs.length === 0) return `${trend.experiment}: no runs in the history\n`;
  const table = columns([
    ['started', 'run', 'result', 'score', ...trend.sloNames],
    ...trend.runs.map((r) => [
      formatTimestamp(r.startedAt),
      shortId(r.runId),
      result(r),
      formatScore(r.resilienceScore),
      ...trend.sloNames.map((name) => {
        const slo = r.slos.find((s) => s.name === name);
        return slo ? `${sloValue(slo, slo.value)} ${formatStatus(slo.status, slo.expect)}` : '—';
      }),
    ]),
  ]);
  const lines = [`${trend.experiment}: ${trend.runs.length} run(s), oldest first`, ...table];
  if (trend.budget.slos.length > 0)
    lines.push(
      '',
      `error budget over the last ${trend.budget.days} days (summed from raw counts; squall history budget for more):`,
      ...budgetRows(trend.budget.slos),
    );
  return `${lines.join('\n')}\n`;
}

export function renderImport(results: readonly ImportResult[], path: string): string {
  const word = { imported: 'imported', completed: 'completed', present: 'already present', failed: 'FAILED' };
  const lines = results.map((r) =>
    r.status === 'failed'
      ? `FAILED     ${r.problem!.message} [${r.problem!.code}]`
      : `${word[r.status].padEnd(15)} ${r.runId}  ${r.journalPath}`,
  );
  const count = (s: ImportResult['status']) => results.filter((r) => r.status === s).length;
  lines.push(
    `${count('imported')} imported, ${count('completed')} completed, ${count('present')} already present, ${count('failed')} failed (history: ${path})`,
  );
  return `${lines.join('\n')}\n`;
}
