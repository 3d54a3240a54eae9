/**
 * The suite's combined report in each format that has one (formats/*.ts `renderSuite`):
 * `summary.md` (a PR comment or CI step summary), `report.html` (self-contained, links to each
 * experiment's own report) and `junit.xml` with one `<testsuite>` per experiment (a skipped
 * experiment is one skipped testcase). The same formatters as a single run's reports
 * (engine/core/format.ts), so numbers read the same.
 */

import {
  asExpected,
  describeSlo,
  expectationClass,
  formatDuration,
  formatObjective,
  formatScore,
  formatStatus,
  formatTimestamp,
  sloValue,
} from '../engine/core/format.js';
import { STYLES } from './html/styles.js';
import { escapeXml as esc, junitTestsuite, renderCase } from './junit.js';
import { cell, mdTable, SLO_HEAD, sloRows } from './markdown.js';
import type { SuiteExperimentSummary, SuiteSummary } from './suite-summary.js';
import type { RunSummary } from './summary.js';

const SUITE_WORD: Record<SuiteSummary['outcome'], string> = {
  passed: 'PASSED',
  slo_breached: 'FAILED',
  invalid: 'INVALID',
  aborted: 'ABORTED',
  error: 'ERROR',
  rollback_failed: 'ROLLBACK FAILED',
};

const EXPERIMENT_WORD: Record<string, string> = { ...SUITE_WORD, incomplete: 'INCOMPLETE' };

export function suiteWord(s: SuiteSummary): string {
  return SUITE_WORD[s.outcome];
}

function experimentWord(e: SuiteExperimentSummary): string {
  return e.status === 'skipped' ? 'SKIPPED' : (EXPERIMENT_WORD[e.outcome ?? ''] ?? 'NO VERDICT');
}

function slosMet(e: SuiteExperimentSummary): string {
  if (e.status === 'skipped') return '—';
  return `${e.slos.filter((s) => s.status === 'met').length}/${e.slos.length}`;
}

function headline(s: SuiteSummary): string {
  const { passed, failed, skipped, experiments } = s.counts;
  return `${experiments} experiments: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

function stopNote(s: SuiteSummary): string | undefined {
  if (s.interrupted)
    return 'Interrupted by the operator: the experiment running was rolled back, the rest skipped.';
  const reason = s.experiments.find((e) => e.skipReason)?.skipReason;
  return reason ? `Stopped early: ${reason}.` : undefined;
}

export function renderSuiteMarkdown(s: SuiteSummary): string {
  const out = [
    `## ${suiteWord(s)}: ${s.suite}`,
    '',
    `**${headline(s)}** · mean resilience score ${formatScore(s.resilienceScore)} · outcome \`${s.outcome}\` · exit code ${s.exitCode} · ${formatDuration(s.durationMs)}`,
  ];
  const note = stopNote(s);
  if (note) out.push('', `> ${note}`);
  out.push(
    '',
    mdTable(
      ['#', 'experiment', 'verdict', 'SLOs met', 'score', 'exit', 'time', 'report'],
      s.experiments.map((e, i) => [
        String(i + 1),
        e.name,
        experimentWord(e),
        slosMet(e),
        formatScore(e.resilienceScore),
        e.exitCode === null ? '—' : String(e.exitCode),
        formatDuration(e.durationMs),
        e.status === 'skipped' ? (e.skipReason ?? '') : `[${e.dir}/report.html](${e.dir}/report.html)`,
      ]),
    ),
  );
  for (const e of s.experiments.filter((x) => x.status === 'ran')) {
    out.push('', `### ${experimentWord(e)}: ${e.name}`, '');
    const infra = e.infrastructureError;
    if (infra) out.push(`> **Infrastructure error** \`${infra.code}\`: ${cell(infra.cause)}`, '');
    else if (e.aborted) out.push(`> **Aborted** (${e.aborted.reason}): ${e.aborted.detail}`, '');
    out.push(
      e.slos.length ? mdTable(SLO_HEAD, sloRows({ slos: e.slos } as RunSummary)) : '_No SLOs were scored._',
    );
    const broken = e.slos.filter((x) => x.status !== 'met' || asExpected(x) === false);
    if (broken.length)
      out.push(
        '',
        ...broken.map((x) => `- ${formatStatus(x.status, x.expect)} **${x.name}**: ${describeSlo(x)}`),
      );
  }
  if (s.runbook) out.push('', `Game-day runbook: ${s.runbook}`);
  out.push('');
  return out.join('\n');
}

export function renderSuiteHtml(s: SuiteSummary): string {
  const word = suiteWord(s);
  const tone = word === 'PASSED' ? 'passed' : 'failed';
  const note = stopNote(s);
  const rows = s.experiments.map((e, i) => {
    const status = e.status === 'skipped' ? 'nodata' : e.exitCode === 0 ? 'met' : 'breached';
    const link =
      e.status === 'skipped'
        ? `<span class="muted">${esc(e.skipReason ?? '')}</span>`
        : `<a href="${esc(e.dir)}/report.html">${esc(e.dir)}/report.html</a>`;
    return `<tr data-experiment="${esc(e.name)}"><td class="num">${i + 1}</td><td><strong>${esc(e.name)}</strong><br><span class="muted">${esc(e.file)}</span></td><td><span class="${status}">${esc(experimentWord(e))}</span></td><td class="num">${esc(slosMet(e))}</td><td class="num">${esc(formatScore(e.resilienceScore))}</td><td class="num">${e.exitCode ?? '—'}</td><td class="num">${esc(formatDuration(e.durationMs))}</td><td>${link}</td></tr>`;
  });
  const sections = s.experiments
    .filter((e) => e.status === 'ran')
    .map((e) => {
      const sloRowsHtml = e.slos.map(
        (x) =>
          `<tr><td><strong>${esc(x.name)}</strong><br><span class="muted">${esc(x.sli)} · ${esc(x.source)}</span></td><td>${esc(formatObjective(x.objective, x.unit))} <span class="muted">(${esc(x.window)})</span></td><td class="num"><span class="${x.status}">${esc(sloValue(x, x.value))}</span></td><td><span class="${expectationClass(x)}">${esc(formatStatus(x.status, x.expect))}</span></td></tr>`,
      );
      const table = e.slos.length
        ? `<table><thead><tr><th>SLO</th><th>objective</th><th>value</th><th>status</th></tr></thead><tbody>${sloRowsHtml.join('')}</tbody></table>`
        : '<p class="muted">No SLOs were scored.</p>';
      const infra = e.infrastructureError;
      const aborted = infra
        ? `<p class="breached" data-error-code="${esc(infra.code)}">Infrastructure error <code>${esc(infra.code)}</code>: ${esc(infra.cause)}</p>`
        : e.aborted
          ? `<p class="breached">Aborted (${esc(e.aborted.reason)}): ${esc(e.aborted.detail)}</p>`
          : '';
      return `<h2 id="${esc(e.dir)}">${esc(experimentWord(e))}: ${esc(e.name)}</h2>${aborted}${table}<p><a href="${esc(e.dir)}/report.html">full report</a>${e.runbook ? ` · runbook <code>${esc(e.runbook)}</code>` : ''}</p>`;
    });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(word)}: ${esc(s.suite)} — Squall game day</title>
<style>${STYLES}</style></head>
<body>
<header><h1>${esc(s.suite)}</h1><p class="muted">${[s.description ? esc(s.description) : '', 'game day', esc(formatTimestamp(s.startedAt))].filter(Boolean).join(' · ')}</p></header>
<section class="banner ${tone}" aria-label="verdict">
<div><div class="verdict" data-verdict="${esc(word)}">${esc(word)}</div><div class="muted">outcome ${esc(s.outcome)} · exit code ${s.exitCode} · ${esc(formatDuration(s.durationMs))}</div></div>
<div class="score" data-score="${s.resilienceScore ?? ''}">${esc(formatScore(s.resilienceScore))}<small>mean resilience score</small></div>
<div>${esc(headline(s))}</div>
</section>${note ? `<div class="incomplete" role="alert">${esc(note)}</div>` : ''}
<h2 id="experiments">Experiments</h2>
<table><thead><tr><th>#</th><th>experiment</th><th>verdict</th><th>SLOs met</th><th>score</th><th>exit</th><th>time</th><th>report</th></tr></thead><tbody>${rows.join('')}</tbody></table>
${sections.join('\n')}
${s.runbook ? `<h2 id="runbook">Runbook</h2><p><code>${esc(s.runbook)}</code></p>` : ''}
<footer>Generated by squall from each experiment's journal (suite summary schema v${s.schemaVersion}).</footer>
</body></html>
`;
}

/** JUnit with one `<testsuite>` per experiment; `runs` are the experiments' own summaries. */
export function renderSuiteJunit(s: SuiteSummary, runs: ReadonlyMap<string, RunSummary>): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const suites = s.experiments.map((e) => {
    const run = runs.get(e.name);
    if (e.status === 'ran' && run) {
      const t = junitTestsuite(run, e.name);
      tests += t.tests;
      failures += t.failures;
      errors += t.errors;
      return t.xml;
    }
    tests++;
    skipped++;
    const body = renderCase({
      classname: `${e.name}.run`,
      name: 'run completed',
      skipped: e.skipReason ?? 'skipped',
    });
    return `  <testsuite name="${esc(e.name)}" tests="1" failures="0" errors="0" skipped="1" time="0">\n${body}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${esc(s.suite)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${(s.durationMs / 1000).toFixed(3)}">
${suites.join('\n')}
</testsuites>
`;
}
