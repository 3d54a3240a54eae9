/**
 * `report.html`: one self-contained file (inline CSS and SVG; no script, no fetch) for a game
 * day's projector, a CI artifact, or a PDF. Tables come from the summary (the same numbers as
 * every other format, through format.ts); charts from the journal's metrics (series.ts).
 */
import type { JournalEvent, SloResult } from '../../engine/run/journal-events.js';
import {
  asExpected,
  breachedAsExpected,
  describeSlo,
  expectationClass,
  formatBudget,
  formatBurnRate,
  formatDuration,
  formatOffset,
  formatScore,
  formatSliValue,
  formatStatus,
  formatTimestamp,
  verdictWord,
} from '../format.js';
import { escapeXml as esc } from '../junit.js';
import { MAX_POINTS } from '../metric-slices.js';
import { scanMetrics } from '../metrics-scan.js';
import { buildCharts } from '../series.js';
import type { RunSummary } from '../summary.js';
import { STYLES } from './styles.js';
import { renderChart, renderTimeline, type TimeAxis } from './svg.js';

const WINDOWS = ['baseline', 'fault', 'recovery'] as const;

function statusCell(status: SloResult['status'], text: string): string {
  return `<span class="${status}">${esc(text)}</span>`;
}

function banner(s: RunSummary): string {
  const word = verdictWord(s);
  const failed = ['FAILED', 'ABORTED', 'ERROR', 'ROLLBACK FAILED'];
  const tone = ['PASSED', 'BREACHED AS EXPECTED'].includes(word)
    ? 'passed'
    : failed.includes(word)
      ? 'failed'
      : 'other';
  const breached = s.slos.filter((x) => x.status === 'breached').length;
  const expected = breachedAsExpected(s.slos);
  const incomplete = s.complete
    ? ''
    : `<div class="incomplete" role="alert" data-incomplete="true"><strong>Run incomplete.</strong> What could be read is shown; numbers may be partial.<ul>${s.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`;
  return `<section class="banner ${tone}" aria-label="verdict">
<div><div class="verdict" data-verdict="${esc(word)}">${esc(word)}</div><div class="muted">outcome ${esc(s.outcome)} · exit code ${s.exitCode ?? '—'} · hypothesis ${esc(s.hypothesis ?? 'not scored')}</div></div>
<div class="score" data-score="${s.resilienceScore ?? ''}">${esc(formatScore(s.resilienceScore))}<small>resilience score</small></div>
<div>${s.slos.length ? `${s.slos.length - breached} of ${s.slos.length} SLOs not breached${expected ? `, ${expected} breached as expected` : ''}` : 'no SLO scored'}<br><span class="muted">${s.faults.length} fault(s) · ${s.guardTrips.length} guard trip(s)</span></div>
</section>${incomplete}`;
}

function sloTable(s: RunSummary): string {
  if (s.slos.length === 0) return '<p class="muted">No SLOs were scored.</p>';
  const rows = s.slos.map((slo) => {
    const byWindow = new Map(slo.windows.map((w) => [w.window, w]));
    const cells = WINDOWS.map((w) => {
      const r = byWindow.get(w);
      return `<td class="num">${r ? statusCell(r.status, formatSliValue(r.value, slo.unit)) : '—'}${r && r.burnRate !== null ? `<br><span class="muted">burn ${esc(formatBurnRate(r.burnRate))}</span>` : ''}</td>`;
    }).join('');
    return `<tr data-slo="${esc(slo.name)}"><td><strong>${esc(slo.name)}</strong><br><span class="muted">${esc(slo.sli)} · ${esc(slo.source)}</span></td><td>${esc(slo.objective)}<br><span class="muted">${esc(slo.window)} window, ${esc(slo.budgeting)}</span></td><td class="num">${statusCell(slo.status, formatSliValue(slo.value, slo.unit))}</td>${cells}<td class="num">${esc(formatBudget(slo.budgetConsumed))}</td><td>${statusCell(expectationClass(slo), formatStatus(slo.status, slo.expect))}</td></tr>`;
  });
  const notes = s.slos
    .filter((x) => x.status !== 'met' || asExpected(x) === false)
    .map((x) => `<li>${statusCell(expectationClass(x), describeSlo(x))}</li>`)
    .join('');
  return `<table><thead><tr><th>SLO</th><th>objective</th><th>value</th><th>baseline</th><th>fault</th><th>recovery</th><th>budget consumed</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>${notes ? `<ul>${notes}</ul>` : ''}`;
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
      `<tr><td><strong>${esc(f.name)}</strong><br><code>${esc(f.faultId)}</code></td><td><code>${esc(f.kind)}</code></td><td>${esc(f.agent)}<br><span class="muted">${esc(f.where)}</span></td><td class="num">${esc(formatOffset(f.injectOffsetMs))}<br><span class="muted">${esc(formatTimestamp(f.injectedAt))}</span></td><td class="num">${f.revertOffsetMs === null ? '<span class="breached">no revert recorded</span>' : `${esc(formatOffset(f.revertOffsetMs))}<br><span class="muted">${esc(formatTimestamp(f.revertedAt))}</span>`}</td><td class="num">${esc(formatDuration(f.plannedDurationMs))}</td><td class="num">${f.schedulingDelayMs} ms</td></tr>`,
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

function runbook(s: RunSummary): string {
  if (!s.runbook)
    return '<p class="muted">The experiment names no runbook (<code>metadata.runbook</code>).</p>';
  const link = /^https?:\/\//.test(s.runbook)
    ? `<a href="${esc(s.runbook)}">${esc(s.runbook)}</a>`
    : `<code>${esc(s.runbook)}</code> <span class="muted">(relative to the experiment file)</span>`;
  return `<ul><li>${link}</li></ul>`;
}

function environment(s: RunSummary): string {
  const agents = s.environment.agents
    .map(
      (a) =>
        `${esc(a.agent)} (clock offset ${a.clockOffsetMs === null ? 'n/a: same host' : `${a.clockOffsetMs} ms`})`,
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

export function renderHtml(summary: RunSummary, events: readonly JournalEvent[]): string {
  const { spans, originMs: origin, slices } = scanMetrics(events);
  const charts = buildCharts(events);
  const toS = (ms: number) => ms / 1000;
  const axis: TimeAxis = {
    fromS: spans.length ? toS(spans[0]!.startMs - origin) : 0,
    toS: spans.length ? toS(Math.max(...spans.map((p) => p.endMs)) - origin) : 1,
    phases: spans.map((p) => ({
      phase: p.phase,
      startS: toS(p.startMs - origin),
      endS: toS(p.endMs - origin),
    })),
    faults: summary.faults.map((f) => ({
      name: f.name,
      startS: toS(f.injectOffsetMs),
      endS: toS(f.revertOffsetMs ?? Math.max(...spans.map((p) => p.endMs), origin) - origin),
    })),
    guardTrips: summary.guardTrips.map((g) => ({ guard: g.guard, atS: toS(g.offsetMs) })),
  };
  if (axis.toS <= axis.fromS) axis.toS = axis.fromS + 1;
  const perPoint = Math.max(1, Math.ceil(slices.length / MAX_POINTS));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(verdictWord(summary))}: ${esc(summary.experiment)} — Squall report</title>
<style>${STYLES}</style></head>
<body>
<header><h1>${esc(summary.experiment)}</h1><p class="muted">${[summary.description ? esc(summary.description) : '', `run <code>${esc(summary.runId)}</code>`, esc(formatTimestamp(summary.startedAt))].filter(Boolean).join(' · ')}</p></header>
${banner(summary)}
<h2 id="slos">SLOs: baseline vs fault vs recovery</h2>${sloTable(summary)}
<h2 id="key-slis">Key SLIs</h2>${keySliTable(summary)}
<h2 id="timeline">Timeline</h2>${axis.phases.length ? renderTimeline(axis) : '<div class="no-data-panel">no data for this run: the journal has no phases</div>'}
${eventList(summary)}
<h2 id="charts">Charts</h2><p class="muted">Shaded: fault windows. Dashed: phase starts${summary.guardTrips.length ? ' and guard trips' : ''}. Time in seconds from the start of the baseline.</p>
<div class="charts">${charts.map((c) => renderChart(c, axis)).join('\n')}</div>
<h2 id="faults">Faults</h2>${faultsTable(summary)}
<h2 id="guards">Guard trips</h2>${guardList(summary)}
<h2 id="runbooks">Runbooks</h2>${runbook(summary)}
<h2 id="environment">Environment</h2>${environment(summary)}
<footer>Generated by squall ${esc(summary.environment.squallVersion)} from journal.jsonl alone (summary schema v${summary.schemaVersion}). ${slices.length} metric slices; charts show ${perPoint === 1 ? 'every slice' : `one point per ${perPoint} slices (rates summed, connected devices at their minimum, p99 at its maximum)`}.</footer>
</body></html>
`;
}
