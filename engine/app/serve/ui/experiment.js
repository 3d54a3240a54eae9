/**
 * One experiment over time (`#/experiments/<name>`): the score and each SLO's value against its
 * objective over the runs (small charts and a table, breaches in red), the error budget across
 * the runs per SLO (raw counts summed, never averaged ratios: engine/history/budget.ts), and two
 * runs side by side (`squall report --compare`).
 */
import { getJSON } from './api.js';
import { runsChart } from './charts.js';
import { esc, formatTime, formatValue, verdictBadge } from './format.js';

export async function showExperiment(root, name, params) {
  const days = params.get('days') ?? '30';
  const trend = await getJSON(
    `/api/experiments/${encodeURIComponent(name)}/trend?days=${encodeURIComponent(days)}`,
  );
  const runs = trend.runs ?? [];
  const budgets = trend.budgets ?? trend.budget?.slos ?? [];
  const sloNames = trend.sloNames ?? [...new Set(runs.flatMap((r) => r.slos.map((s) => s.name)))];
  root.innerHTML = `<header class="page-head"><div><h1>${esc(name)}</h1><p class="muted">${runs.length} run(s) in the last ${esc(days)} days, oldest first. <a href="#/runs?experiment=${encodeURIComponent(name)}">all runs</a></p></div></header>
<h2>Trend</h2><div class="small-charts" data-trend-charts>${chartsOf(runs, sloNames)}</div>
${tableOf(runs, sloNames)}
<h2>Error budget across runs</h2>${budgetOf(budgets)}
<h2>Compare two runs</h2>${compareForm(runs)}<div data-compare></div>`;
  const form = root.querySelector('[data-compare-form]');
  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const out = root.querySelector('[data-compare]');
    try {
      const { markdown } = await getJSON(
        `/api/compare?a=${encodeURIComponent(data.get('a'))}&b=${encodeURIComponent(data.get('b'))}`,
      );
      out.innerHTML = markdownTables(markdown);
    } catch (err) {
      out.innerHTML = `<p class="breached">${esc(err.message)}</p>`;
    }
  });
}

const isBad = (s) => s && s.status !== 'met' && s.status !== 'nodata' && (s.expect ?? 'met') === 'met';

function chartsOf(runs, sloNames) {
  if (runs.length === 0) return '<div class="no-data-panel">No runs of this experiment yet.</div>';
  const label = (r) => formatTime(r.startedAt);
  const score = runsChart({
    id: 'trend-score',
    title: 'resilience score',
    unit: 'score',
    points: runs.map((r) => ({ value: r.resilienceScore, bad: r.outcome !== 'passed', label: label(r) })),
    objective: null,
  });
  const slos = sloNames.map((n) => {
    const of = (r) => r.slos.find((s) => s.name === n);
    const newest = [...runs].reverse().map(of).find(Boolean);
    const objective = objectiveValue(newest);
    return runsChart({
      id: `trend-slo-${n}`,
      title: `${n} (objective ${newest?.objective ?? '—'})`,
      unit: newest?.unit,
      points: runs.map((r) => ({ value: of(r)?.value ?? Number.NaN, bad: isBad(of(r)), label: label(r) })),
      objective,
    });
  });
  return [score, ...slos].join('');
}

/** `>= 99%` → 0.99, `<= 150ms` → 150: where to draw the objective's line. */
function objectiveValue(slo) {
  const m = /([\d.]+)\s*(%|ms|s)?/.exec(slo?.objective ?? '');
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === '%') return { value: n / 100 };
  if (m[2] === 's' && slo.unit === 'ms') return { value: n * 1000 };
  return { value: n };
}

function tableOf(runs, sloNames) {
  if (runs.length === 0) return '';
  const rows = [...runs].reverse().map((r) => {
    const cells = sloNames.map((n) => {
      const s = r.slos.find((x) => x.name === n);
      if (!s) return '<td class="num">—</td>';
      const cls = isBad(s) ? 'breached' : s.status === 'nodata' ? 'nodata' : 'met';
      return `<td class="num" data-slo="${esc(n)}" data-status="${esc(s.status)}"><span class="${cls}">${esc(formatValue(s.value, s.unit))}</span>${isBad(s) ? ' <span class="badge failed">BREACH</span>' : ''}</td>`;
    });
    return `<tr data-trend-run="${esc(r.runId)}" data-outcome="${esc(r.outcome)}"><td class="when"><a href="#/runs/${encodeURIComponent(r.runId)}">${esc(formatTime(r.startedAt))}</a></td><td>${verdictBadge({ state: r.state ?? 'finished', outcome: r.outcome })}</td><td class="num">${r.resilienceScore === null ? '—' : esc(Number(r.resilienceScore).toFixed(1))}</td>${cells.join('')}</tr>`;
  });
  const head = sloNames.map((n) => {
    const s = runs.at(-1)?.slos.find((x) => x.name === n);
    return `<th class="num">${esc(n)}<br><span class="muted">${esc(s?.objective ?? '')}</span></th>`;
  });
  return `<table class="trend" data-trend-table><thead><tr><th>run (newest first)</th><th>verdict</th><th class="num">score</th>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function budgetOf(budgets) {
  if (budgets.length === 0) return '<p class="muted">No SLO with an error budget in the period.</p>';
  const rows = budgets.map((b) => {
    const consumed = b.consumed ?? b.budgetConsumed ?? null;
    const met = b.runsMet ?? b.met ?? 0;
    const over = consumed !== null && consumed > 1;
    return `<tr data-budget="${esc(b.slo)}"><td><strong>${esc(b.slo)}</strong><br><span class="muted">${esc(b.window ?? '')} window</span></td><td class="num"><span class="${over ? 'breached' : ''}">${consumed === null ? '—' : `${(consumed * 100).toFixed(1)}%`}</span><div class="meter"><span style="width:${Math.min(100, (consumed ?? 0) * 100).toFixed(1)}%" class="${over ? 'over' : ''}"></span></div></td><td class="num">${met} of ${b.runs}</td><td>${b.regressed ? '<span class="badge failed" data-regressed>REGRESSED</span>' : '<span class="muted">—</span>'}</td></tr>`;
  });
  return `<table class="budget"><thead><tr><th>SLO</th><th class="num">budget consumed</th><th class="num">runs met</th><th>since the previous run</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="muted">100% = the period's whole error budget spent; counts summed over the runs.</p>`;
}

function compareForm(runs) {
  if (runs.length < 2) return '<p class="muted">Two runs are needed to compare.</p>';
  const options = (selected) =>
    [...runs]
      .reverse()
      .map(
        (r, i) =>
          `<option value="${esc(r.runId)}" ${i === selected ? 'selected' : ''}>${esc(formatTime(r.startedAt))} · ${esc(r.outcome ?? r.state)}</option>`,
      )
      .join('');
  return `<form class="filters" data-compare-form><label>run <select name="a">${options(1)}</select></label><label>against <select name="b">${options(0)}</select></label><button type="submit">Compare</button></form>`;
}

/** Markdown's inline marks the compare report uses: **bold** and `code`. */
const inline = (text) =>
  esc(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');

/** The compare report's Markdown, its tables as HTML tables and the rest as paragraphs. */
function markdownTables(md) {
  const out = [];
  let table = [];
  const flush = () => {
    if (!table.length) return;
    const cells = (l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim());
    const [head, , ...body] = table;
    out.push(
      `<table><thead><tr>${cells(head)
        .map((c) => `<th>${inline(c)}</th>`)
        .join('')}</tr></thead><tbody>${body
        .map(
          (l) =>
            `<tr>${cells(l)
              .map((c) => `<td>${inline(c)}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`,
    );
    table = [];
  };
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) table.push(line);
    else {
      flush();
      if (line.startsWith('#')) out.push(`<h3>${inline(line.replace(/^#+\s*/, ''))}</h3>`);
      else if (line.trim()) out.push(`<p>${inline(line)}</p>`);
    }
  }
  flush();
  return `<div class="compare" data-compare-result>${out.join('')}</div>`;
}
