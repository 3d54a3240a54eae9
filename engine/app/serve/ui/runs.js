/**
 * The runs page (`#/runs`): every run, newest first, with its verdict, score, duration and who
 * started it; filters by experiment, outcome and tag (kept in the URL, so a filtered view can be
 * shared). Refreshes itself while a run is queued or running.
 */
import { getJSON } from './api.js';
import { esc, formatDuration, formatTime, verdictBadge } from './format.js';

const OUTCOMES = ['passed', 'slo_breached', 'aborted', 'error', 'rollback_failed', 'interrupted'];

export async function showRuns(root, params) {
  const filters = {
    experiment: params.get('experiment') ?? '',
    outcome: params.get('outcome') ?? '',
    tag: params.get('tag') ?? '',
  };
  root.innerHTML = `<header class="page-head"><div><h1>Runs</h1><p class="muted">Every experiment and suite run this server knows, newest first.</p></div>
<a class="button primary" href="#/start">Start a run</a></header>
<form class="filters" data-filters>
<label>experiment <input name="experiment" value="${esc(filters.experiment)}" list="experiment-names" placeholder="any"></label>
<label>outcome <select name="outcome"><option value="">any</option>${OUTCOMES.map((o) => `<option ${o === filters.outcome ? 'selected' : ''}>${o}</option>`).join('')}</select></label>
<label>tag <input name="tag" value="${esc(filters.tag)}" placeholder="any"></label>
<button type="submit">Filter</button> <a href="#/runs">clear</a>
<datalist id="experiment-names"></datalist></form>
<div data-table><p class="muted">loading…</p></div>`;
  root.querySelector('[data-filters]').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) q.set(k, String(v));
    location.hash = `#/runs${q.size ? `?${q}` : ''}`;
  });
  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    const runs = await getJSON(`/api/runs?${q}`);
    if (!root.isConnected) return false;
    root.querySelector('[data-table]').innerHTML = tableOf(runs);
    const names = [...new Set(runs.map((r) => r.experiment))];
    root.querySelector('#experiment-names').innerHTML = names
      .map((n) => `<option value="${esc(n)}">`)
      .join('');
    return runs.some((r) => r.state === 'queued' || r.state === 'running');
  };
  let timer;
  const again = async () => {
    if (!root.isConnected) return;
    if (await load()) timer = setTimeout(again, 3000);
  };
  await again();
  return () => clearTimeout(timer);
}

function tableOf(runs) {
  if (runs.length === 0)
    return '<div class="no-data-panel" data-no-runs>No runs yet. <a href="#/start">Start one</a>, or record CLI runs with <code>squall run</code> (history is on by default).</div>';
  const rows = runs.map((r) => {
    const duration =
      r.endedAt && r.startedAt ? formatDuration(Date.parse(r.endedAt) - Date.parse(r.startedAt)) : '—';
    return `<tr data-run="${esc(r.runId)}" data-outcome="${esc(r.outcome ?? r.state)}"><td class="when">${esc(formatTime(r.startedAt))}</td><td><a href="#/experiments/${encodeURIComponent(r.experiment)}">${esc(r.experiment)}</a></td><td>${verdictBadge(r)}</td><td class="num">${r.resilienceScore === null || r.resilienceScore === undefined ? '—' : esc(r.resilienceScore.toFixed(1))}</td><td class="num">${esc(duration)}</td><td>${esc(r.startedBy ?? '—')}</td><td><a href="#/runs/${encodeURIComponent(r.runId)}">${r.state === 'running' || r.state === 'queued' ? 'watch live' : 'details'}</a></td></tr>`;
  });
  return `<table class="runs"><thead><tr><th>started</th><th>experiment</th><th>verdict</th><th class="num">score</th><th class="num">duration</th><th>started by</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="muted">${runs.length} run(s).</p>`;
}
