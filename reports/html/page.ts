/**
 * `report.html`: one self-contained file (inline CSS and SVG; no script, no fetch) for a game
 * day's projector, a CI artifact, or a PDF. Tables come from the summary (the same numbers as
 * every other format, through format.ts); charts from the journal's metrics (series.ts).
 */

import {
  asExpected,
  breachedAsExpected,
  describeSlo,
  expectationClass,
  formatBudget,
  formatBurnRate,
  formatDuration,
  formatObjective,
  formatOffset,
  formatScore,
  formatSliValue,
  formatStatus,
  formatTimestamp,
  sloValue,
  verdictWord,
} from '../../engine/core/format.js';
import type { JournalEvent, SloResult } from '../../engine/core/journal-events.js';
import { escapeXml as esc } from '../junit.js';
import { type RenderOptions, runbookLink } from '../links.js';
import { MAX_POINTS } from '../metric-slices.js';
import { scanMetrics } from '../metrics-scan.js';
import { formatSinceStart } from '../operator-actions.js';
import { buildCharts, type Chart } from '../series.js';
import type { RunSummary } from '../summary.js';
import { STYLES } from './styles.js';
import { leftMargin, renderChart, renderTimeline, type TimeAxis, timelineLabels, yLabels } from './svg.js';

const WINDOWS = ['baseline', 'fault', 'recovery'] as const;

function statusCell(status: SloResult['status'], text: string): string {
  return `<span class="${status}">${esc(text)}</span>`;
}

/** `2 of 3 SLOs met · 1 breached`, and how many had no data. */
function sloCounts(s: RunSummary): string {
  const count = (status: SloResult['status']) => s.slos.filter((x) => x.status === status).length;
  const parts = [`${count('met')} of ${s.slos.length} SLOs met`];
  const expected = breachedAsExpected(s.slos);
  const unexpected = count('breached') - expected;
  if (unexpected) parts.push(`<span class="breached">${unexpected} breached</span>`);
  if (expected) parts.push(`<span class="met">${expected} breached as expected</span>`);
  if (count('nodata')) parts.push(`<span class="nodata">${count('nodata')} no data</span>`);
  return parts.join(' · ');
}

function banner(s: RunSummary): string {
  const word = verdictWord(s);
  const failed = ['FAILED', 'ABORTED', 'ERROR', 'ROLLBACK FAILED'];
  const tone = ['PASSED', 'BREACHED AS EXPECTED'].includes(word)
    ? 'passed'
    : failed.includes(word)
      ? 'failed'
      : 'other';
  const incomplete = s.complete
    ? ''
    : `<div class="incomplete" role="alert" data-incomplete="true"><strong>Run incomplete.</strong> What could be read is shown; numbers may be partial.<ul>${s.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`;
  const e = s.infrastructureError;
  const infra = e
    ? `<div class="infra-error" role="alert" data-error-code="${esc(e.code)}"><strong>Infrastructure error</strong> <code>${esc(e.code)}</code>: ${esc(e.cause)}<details><summary>Full error message</summary><pre>${esc(e.message)}</pre></details></div>`
    : '';
  return `<section class="banner ${tone}" aria-label="verdict">
<div><div class="verdict" data-verdict="${esc(word)}">${esc(word)}</div><div class="muted">outcome ${esc(s.outcome)} · exit code ${s.exitCode ?? '—'} · hypothesis ${esc(s.hypothesis ?? 'not scored')}</div></div>
<div class="score" data-score="${s.resilienceScore ?? ''}">${esc(formatScore(s.resilienceScore))}<small>resilience score</small></div>
<div>${s.slos.length ? sloCounts(s) : 'no SLO scored'}<br><span class="muted">${s.faults.length} fault(s) · ${s.guardTrips.length} guard trip(s)</span></div>
</section>${infra}${incomplete}`;
}

function sloTable(s: RunSummary): string {
  if (s.slos.length === 0) return '<p class="muted">No SLOs were scored.</p>';
  const rows = s.slos.map((slo) => {
    const byWindow = new Map(slo.windows.map((w) => [w.window, w]));
    const cells = WINDOWS.map((w) => {
      const r = byWindow.get(w);
      // A window the SLO is not scored on reads grey: its value informs, it does not judge.
      const scored = slo.window === 'run' || slo.window === w;
      const value = r
        ? scored
          ? statusCell(r.status, sloValue(slo, r.value))
          : `<span class="unscored" title="not scored: ${esc(slo.name)} is scored on its ${esc(slo.window)} window">${esc(sloValue(slo, r.value))}</span>`
        : '—';
      return `<td class="num">${value}${r && r.burnRate !== null ? `<br><span class="muted">burn ${esc(formatBurnRate(r.burnRate))}</span>` : ''}</td>`;
    }).join('');
    return `<tr data-slo="${esc(slo.name)}"><td><strong>${esc(slo.name)}</strong><br><span class="muted">${esc(slo.sli)} · ${esc(slo.source)}</span></td><td>${esc(formatObjective(slo.objective, slo.unit))}<br><span class="muted">${esc(slo.window)} window, ${esc(slo.budgeting)}</span></td><td class="num">${statusCell(slo.status, sloValue(slo, slo.value))}</td>${cells}<td class="num">${esc(formatBudget(slo.budgetConsumed))}</td><td>${statusCell(expectationClass(slo), formatStatus(slo.status, slo.expect))}</td></tr>`;
  });
  const notes = s.slos
    .filter((x) => x.status !== 'met' || asExpected(x) === false)
    .map((x) => `<li>${statusCell(expectationClass(x), describeSlo(x))}</li>`)
    .join('');
  const key = s.slos.some((x) => x.window !== 'run')
    ? '<p class="muted">Grey: a window the SLO is not scored on (its value for comparison).</p>'
    : '';
  return `<table><thead><tr><th>SLO</th><th>objective</th><th>value</th><th>baseline</th><th>fault</th><th>recovery</th><th>budget consumed</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>${key}${notes ? `<ul>${notes}</ul>` : ''}`;
}

function keySliTable(s: RunSummary): string {
  if (s.keySlis.length === 0) return '<p class="muted">No metrics were recorded.</p>';
  const rows = s.keySlis.map(
    (k) =>
      `<tr><td>${esc(k.source)}</td><td>${esc(k.sli)}</td>${(['run', ...WINDOWS] as const).map((w) => `<td class="num">${esc(formatSliValue(k.windows[w], k.unit))}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr><th>source</th><th>SLI</th><th>run</th><th>baseline</th><th>fault</th><th>recovery</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function faultsTable(s: RunSummary): string {
  const rows = s.faults.map(
    (f) =>
      `<tr><td class="name"><strong>${esc(f.name)}</strong><br><code>${esc(f.faultId)}</code></td><td><code>${esc(f.kind)}</code></td><td>${esc(f.agent)}<br><span class="muted">${esc(f.where)}</span></td><td class="num">${esc(formatOffset(f.injectOffsetMs))}<br><span class="muted">${esc(formatTimestamp(f.injectedAt))}</span></td><td class="num">${f.revertOffsetMs === null ? '<span class="breached">no revert recorded</span>' : `${esc(formatOffset(f.revertOffsetMs))}<br><span class="muted">${esc(formatTimestamp(f.revertedAt))}</span>`}</td><td class="num">${esc(formatDuration(f.plannedDurationMs))}</td><td class="num">${esc(formatDuration(f.schedulingDelayMs))}</td></tr>`,
  );
  const failed = s.failedInjections.map(
    (f) =>
      `<tr><td><strong>${esc(f.name)}</strong></td><td><code>${esc(f.kind)}</code></td><td colspan="5" class="breached">could not be injected: ${esc(f.error)}</td></tr>`,
  );
  const leftovers = s.leftovers.map(
    (l) =>
      `<tr><td><code>${esc(l.faultId)}</code></td><td><code>${esc(l.kind)}</code></td><td colspan="5" class="breached">ROLLBACK FAILED on ${esc(l.where)}: ${esc(l.error)}<br>remove with: <code>${esc(l.removeCommand)}</code></td></tr>`,
  );
  if (rows.length + failed.length + leftovers.length === 0)
    return '<p class="muted">No fault was injected.</p>';
  return `<table><thead><tr><th>fault</th><th>kind</th><th>agent / where</th><th>injected</th><th>reverted</th><th>planned</th><th>delay</th></tr></thead><tbody>${[...rows, ...failed, ...leftovers].join('')}</tbody></table>`;
}

function guardList(s: RunSummary): string {
  const trips = s.guardTrips.map(
    (g) => `<li><strong>${esc(g.guard)}</strong> at ${esc(formatOffset(g.offsetMs))}: ${esc(g.reason)}</li>`,
  );
  const abort = s.aborted
    ? `<p class="breached">Run aborted (${esc(s.aborted.reason)}): ${esc(s.aborted.detail)}</p>`
    : '';
  const errors = s.errors.map((e) => `<li><code>${esc(e.code)}</code> ${esc(e.message)}</li>`);
  return `${trips.length ? `<ul>${trips.join('')}</ul>` : '<p class="muted">No guard tripped.</p>'}${abort}${errors.length ? `<h3>Errors</h3><ul>${errors.join('')}</ul>` : ''}`;
}

function eventList(s: RunSummary): string {
  const rows = s.timeline.map(
    (e) =>
      `<tr class="ev-${e.kind}"><td class="num">${esc(formatOffset(e.offsetMs))}</td><td>${esc(e.kind)}</td><td>${esc(e.text)}</td></tr>`,
  );
  return `<details open><summary>Journal events (${rows.length})</summary><table><thead><tr><th>offset</th><th>kind</th><th>event</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

/** The room's actions and notes, with who and when; only for a run someone acted on. */
function operatorSection(s: RunSummary): string {
  const actions = s.operatorActions ?? [];
  if (actions.length === 0) return '';
  const rows = actions.map(
    (a) =>
      `<tr class="op-${a.action}" data-operator-action="${a.action}"><td class="num">${esc(formatSinceStart(a.sinceStartMs))}<br><span class="muted">${esc(formatTimestamp(a.at))}</span></td><td>${esc(a.by)}</td><td>${esc(a.action)}</td><td>${esc(a.text || '—')}</td></tr>`,
  );
  return `<h2 id="operator">Notes from the room</h2><p class="muted">From the start of the run.</p><table><thead><tr><th>when</th><th>who</th><th>action</th><th>note</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function runbook(s: RunSummary, options: RenderOptions): string {
  const link = runbookLink(s, options);
  if (!link) return '<p class="muted">The experiment names no runbook (<code>metadata.runbook</code>).</p>';
  const item = link.href
    ? `<a href="${esc(link.href)}" data-runbook>${esc(link.text)}</a>`
    : `<code>${esc(link.text)}</code> <span class="muted">(this journal does not record where the file was)</span>`;
  return `<ul><li>${item}</li></ul>`;
}

function environment(s: RunSummary): string {
  const agents = s.environment.agents
    .map(
      (a) =>
        `${esc(a.agent)} (clock offset ${a.clockOffsetMs === null ? 'n/a: same host' : esc(formatDuration(a.clockOffsetMs))})`,
    )
    .join(', ');
  const rows: [string, string][] = [
    ['experiment file', `<code>${esc(s.file)}</code>`],
    ['run id', `<code>${esc(s.runId)}</code>`],
    ['started / ended', `${esc(formatTimestamp(s.startedAt))} / ${esc(formatTimestamp(s.endedAt))}`],
    ['duration', esc(formatDuration(s.durationMs))],
    ['squall', esc(s.environment.squallVersion)],
    ['node', esc(s.environment.node)],
    ['controller host', esc(s.environment.host)],
    ['agents', agents || '<span class="muted">none used</span>'],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

/** What the marks on the charts mean, for the marks this report has. */
function chartKey(s: RunSummary, charts: readonly Chart[]): string {
  const parts = [
    'Time from the start of the baseline; each point at the end of its slice.',
    s.faults.length
      ? 'Shaded: a fault, from injection to revert (a dotted line: where it was planned to end, when it ended elsewhere).'
      : '',
    'Dashed grey: phase starts.',
    s.guardTrips.length ? 'Dashed orange: guard trips.' : '',
    s.operatorActions?.length ? 'Dotted blue (timeline): operator actions and notes.' : '',
    charts.some((c) => c.objectives.length) ? 'Long dashes: SLO objectives.' : '',
  ];
  return esc(parts.filter(Boolean).join(' '));
}

/** The charts this run has no data for, in one line instead of a panel each. */
function notCharted(all: readonly Chart[]): string {
  const missing = all.filter((c) => c.noData);
  if (missing.length === 0) return '';
  const byReason = new Map<string, string[]>();
  for (const c of missing) {
    const reason = c.noData!.replace(/^no data for this run: /, '');
    byReason.set(reason, [...(byReason.get(reason) ?? []), c.title]);
  }
  const items = [...byReason].map(([reason, titles]) => `<li>${esc(titles.join(', '))}: ${esc(reason)}</li>`);
  return `<div class="not-charted muted" data-not-charted="${missing.length}">Not charted, no data in this run:<ul>${items.join('')}</ul></div>`;
}

export function renderHtml(
  summary: RunSummary,
  events: readonly JournalEvent[],
  options: RenderOptions = {},
): string {
  const { spans, originMs: origin, slices } = scanMetrics(events);
  const all = buildCharts(events);
  const charts = all.filter((c) => !c.noData);
  const toS = (ms: number) => ms / 1000;
  const axis: TimeAxis = {
    fromS: spans.length ? toS(spans[0]!.startMs - origin) : 0,
    toS: spans.length ? toS(Math.max(...spans.map((p) => p.endMs)) - origin) : 1,
    left: 0,
    phases: spans.map((p) => ({
      phase: p.phase,
      startS: toS(p.startMs - origin),
      endS: toS(p.endMs - origin),
    })),
    faults: summary.faults.map((f) => ({
      name: f.name,
      startS: toS(f.injectOffsetMs),
      endS: toS(f.revertOffsetMs ?? Math.max(...spans.map((p) => p.endMs), origin) - origin),
      plannedEndS: f.plannedDurationMs === null ? null : toS(f.injectOffsetMs + f.plannedDurationMs),
    })),
    guardTrips: summary.guardTrips.map((g) => ({ guard: g.guard, atS: toS(g.offsetMs) })),
    operator: summary.timeline
      .filter((e) => e.kind === 'note' || e.kind === 'operator')
      .map((e) => ({ text: e.text, atS: toS(e.offsetMs) })),
  };
  // A run cut short (a guard, an error) still shows how long its faults were planned to last.
  for (const f of axis.faults) if (f.plannedEndS !== null) axis.toS = Math.max(axis.toS, f.plannedEndS);
  if (axis.toS <= axis.fromS) axis.toS = axis.fromS + 1;
  axis.left = leftMargin([...timelineLabels(axis), ...charts.flatMap(yLabels)]);
  const perPoint = Math.max(1, Math.ceil(slices.length / MAX_POINTS));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(verdictWord(summary))}: ${esc(summary.experiment)} — Squall report</title>
<style>${STYLES}</style></head>
<body>
<header><h1>${esc(summary.experiment)}</h1>${summary.description ? `<p class="lede">${esc(summary.description)}</p>` : ''}<p class="muted">run <code>${esc(summary.runId)}</code> · started ${esc(formatTimestamp(summary.startedAt))}</p></header>
${banner(summary)}
<h2 id="slos">SLOs: baseline vs fault vs recovery</h2>${sloTable(summary)}
<h2 id="key-slis">Key SLIs</h2>${keySliTable(summary)}
<h2 id="timeline">Timeline</h2>${axis.phases.length ? renderTimeline(axis) : '<div class="no-data-panel">no data for this run: the journal has no phases</div>'}
${eventList(summary)}${operatorSection(summary)}
<h2 id="charts">Charts</h2><p class="muted">${chartKey(summary, charts)}</p>
<div class="charts">${charts.map((c) => renderChart(c, axis)).join('\n')}</div>${notCharted(all)}
<h2 id="faults">Faults</h2>${faultsTable(summary)}
<h2 id="guards">Guard trips</h2>${guardList(summary)}
<h2 id="runbooks">Runbooks</h2>${runbook(summary, options)}
<h2 id="environment">Environment</h2>${environment(summary)}
<footer>Generated by squall ${esc(summary.environment.squallVersion)} from journal.jsonl alone (summary schema v${summary.schemaVersion}). ${slices.length} metric slices; charts show ${perPoint === 1 ? 'every slice' : `one point per ${perPoint} slices (rates summed, connected devices at their minimum, p99 at its maximum)`}.</footer>
</body></html>
`;
}
