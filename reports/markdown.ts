/**
 * `summary.md`: compact enough for a PR comment or `$GITHUB_STEP_SUMMARY` (GitHub-flavoured
 * Markdown tables): verdict, SLO table per window, faults, guard trips, link to the HTML.
 */

import {
  asExpected,
  describeSlo,
  formatBudget,
  formatDuration,
  formatOffset,
  formatScore,
  formatStatus,
  sloCount,
  sloObjective,
  sloValue,
  verdictWord,
} from '../engine/core/format.js';
import type { SloResult } from '../engine/core/journal-events.js';
import { renderK6Section } from './k6-section.js';
import { mdLink, type RenderOptions, reportLink, runbookLink } from './links.js';
import { cell, mdTable } from './md-table.js';
import type { RunSummary } from './summary.js';

export { cell, mdTable };

/** A fenced block holding `text` as is: the fence is longer than any backtick run inside. */
export function fenced(text: string, info = 'text'): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

/** Why the run ended with an error: the cause on one line, the full message folded below. */
function infrastructureErrorBlock(summary: RunSummary): string[] {
  const e = summary.infrastructureError;
  if (!e) return [];
  return [
    '',
    `> **Infrastructure error** \`${e.code}\`: ${cell(e.cause)}`,
    '',
    '<details><summary>Full error message</summary>',
    '',
    fenced(e.message),
    '',
    '</details>',
  ];
}

function windowValue(slo: SloResult, window: string): string {
  const w = slo.windows.find((x) => x.window === window);
  return w ? sloValue(slo, w.value) : '—';
}

export function sloRows(summary: RunSummary): string[][] {
  return summary.slos.map((slo) => [
    slo.name,
    `${sloObjective(slo)} (${slo.window})`,
    sloValue(slo, slo.value),
    windowValue(slo, 'baseline'),
    windowValue(slo, 'fault'),
    windowValue(slo, 'recovery'),
    formatBudget(slo.budgetConsumed),
    formatStatus(slo.status, slo.expect),
  ]);
}

export const SLO_HEAD = [
  'SLO',
  'objective',
  'value',
  'baseline',
  'fault',
  'recovery',
  'budget consumed',
  'status',
];

export function renderMarkdown(summary: RunSummary, options: RenderOptions = {}): string {
  const word = verdictWord(summary);
  const out: string[] = [
    `## ${word}: ${summary.experiment}`,
    '',
    `**Resilience score ${formatScore(summary.resilienceScore)}** · ${sloCount(summary.slos)} · outcome \`${summary.outcome}\` · exit code ${summary.exitCode ?? '—'} · ${formatDuration(summary.durationMs)}`,
  ];
  if (!summary.complete) {
    out.push('', `> **Run incomplete**: ${summary.problems.join('; ')}`);
  }
  out.push(...infrastructureErrorBlock(summary));
  // An abort for an error repeats the error's message: the block above says it once.
  if (summary.aborted && !summary.infrastructureError)
    out.push('', `> **Aborted** (${summary.aborted.reason}): ${summary.aborted.detail}`);
  for (const l of summary.leftovers) {
    out.push(
      '',
      `> **ROLLBACK FAILED**: ${l.kind} (${l.faultId}) may still be active on ${l.where}. Remove with \`${l.removeCommand}\``,
    );
  }
  out.push('');
  out.push(summary.slos.length ? mdTable(SLO_HEAD, sloRows(summary)) : '_No SLOs were scored._');
  const noted = summary.slos.filter((s) => s.status !== 'met' || asExpected(s) === false);
  if (noted.length)
    out.push(
      '',
      ...noted.map((s) => `- ${formatStatus(s.status, s.expect)} **${s.name}**: ${describeSlo(s)}`),
    );
  if (summary.faults.length) {
    out.push(
      '',
      mdTable(
        ['fault', 'kind', 'agent', 'injected', 'reverted'],
        summary.faults.map((f) => [
          f.name,
          f.kind,
          f.agent,
          formatOffset(f.injectOffsetMs),
          // The journal records reverts; without one we cannot say the fault is gone.
          f.revertOffsetMs === null ? 'NO REVERT RECORDED' : formatOffset(f.revertOffsetMs),
        ]),
      ),
    );
  }
  out.push(
    '',
    summary.guardTrips.length
      ? `Guard trips: ${summary.guardTrips.map((g) => `**${g.guard}** at ${formatOffset(g.offsetMs)} (${g.reason})`).join('; ')}`
      : 'Guard trips: none.',
  );
  if (summary.k6) out.push(...renderK6Section(summary.k6));
  const runbook = runbookLink(summary, options);
  if (runbook) out.push('', `Runbook: ${mdLink(runbook)}`);
  out.push('', `Full report: ${mdLink(reportLink(options))} · run \`${summary.runId}\``, '');
  return out.join('\n');
}
