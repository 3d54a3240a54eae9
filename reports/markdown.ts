/**
 * `summary.md`: compact enough for a PR comment or `$GITHUB_STEP_SUMMARY` (GitHub-flavoured
 * Markdown tables): verdict, SLO table per window, faults, guard trips, link to the HTML.
 */
import type { SloResult } from '../engine/run/journal-events.js';
import {
  asExpected,
  describeSlo,
  formatBudget,
  formatDuration,
  formatOffset,
  formatScore,
  formatSliValue,
  formatStatus,
  sloCount,
  verdictWord,
} from './format.js';
import type { RunSummary } from './summary.js';

/** A table cell: pipes and newlines would break the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function mdTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (r: readonly string[]) => `| ${r.map(cell).join(' | ')} |`;
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function windowValue(slo: SloResult, window: string): string {
  const w = slo.windows.find((x) => x.window === window);
  return w ? formatSliValue(w.value, slo.unit) : '—';
}

export function sloRows(summary: RunSummary): string[][] {
  return summary.slos.map((slo) => [
    slo.name,
    `${slo.sli} ${slo.objective} (${slo.window})`,
    formatSliValue(slo.value, slo.unit),
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

export function renderMarkdown(summary: RunSummary, options: { htmlHref?: string } = {}): string {
  const word = verdictWord(summary);
  const out: string[] = [
    `## ${word}: ${summary.experiment}`,
    '',
    `**Resilience score ${formatScore(summary.resilienceScore)}** · ${sloCount(summary.slos)} · outcome \`${summary.outcome}\` · exit code ${summary.exitCode ?? '—'} · ${formatDuration(summary.durationMs)}`,
  ];
  if (!summary.complete) {
    out.push('', `> **Run incomplete**: ${summary.problems.join('; ')}`);
  }
  if (summary.aborted) out.push('', `> **Aborted** (${summary.aborted.reason}): ${summary.aborted.detail}`);
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
  out.push(
    '',
    `Full report: [report.html](${options.htmlHref ?? 'report.html'}) · run \`${summary.runId}\``,
    '',
  );
  return out.join('\n');
}
