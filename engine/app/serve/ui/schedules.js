/**
 * The schedules page (`#/schedules`): what `squall serve --schedules` fires, from
 * GET /api/schedules: each schedule and whether its run is going, the upcoming planned times
 * (a blackout's marked as skipped ahead of time), and the recent decisions: skipped and missed
 * ones with their reasons, fired ones with their run (docs/schedules.md). Refreshes every 5 s.
 */
import { getJSON } from './api.js';
import { esc, formatTime } from './format.js';

export async function showSchedules(root) {
  root.innerHTML = `<header class="page-head"><div><h1>Schedules</h1><p class="muted">Runs this server starts on its own (<code>squall serve --schedules</code>), and every time one did not start, with why.</p></div></header>
<div data-schedules><p class="muted">loading…</p></div>`;
  let timer;
  const load = async () => {
    const data = await getJSON('/api/schedules?upcoming=10&limit=50');
    if (!root.isConnected) return;
    root.querySelector('[data-schedules]').innerHTML = render(data);
    timer = setTimeout(load, 5000);
  };
  await load();
  return () => clearTimeout(timer);
}

function render({ schedules, upcoming, recent, skipped, missed }) {
  if (schedules.length === 0 && recent.length === 0)
    return '<div class="no-data-panel" data-no-schedules>No schedules. Start the server with <code>squall serve --schedules FILE</code> (a <code>kind: Schedule</code> file, docs/schedules.md).</div>';
  const state = (s) =>
    s.running
      ? `<a href="#/runs/${encodeURIComponent(s.activeRunId ?? '')}">running</a>${s.queuedFor ? `, one waiting (${esc(formatTime(s.queuedFor))})` : ''}`
      : 'idle';
  return `<section class="panel"><h2>Schedules</h2>${table(
    ['schedule', 'cron', 'timezone', 'concurrency', 'now'],
    schedules.map(
      (s) =>
        `<tr data-schedule="${esc(s.name)}"><td>${esc(s.name)}</td><td><code>${esc(s.cron)}</code></td><td>${esc(s.timezone)}</td><td>${esc(s.concurrency)}</td><td>${state(s)}</td></tr>`,
    ),
  )}</section>
<section class="panel" data-upcoming><h2>Upcoming</h2>${table(
    ['when', 'schedule', ''],
    upcoming.map(
      (u) =>
        `<tr data-upcoming-row="${esc(u.schedule)}"><td class="when">${esc(formatTime(u.at))}</td><td>${esc(u.schedule)}</td><td>${u.skipped ? `<span class="badge other">will be skipped</span> ${esc(u.skipped)}` : ''}</td></tr>`,
    ),
  )}</section>
${decisions('Skipped', 'skipped', skipped)}
${decisions('Missed', 'missed', missed)}
${decisions('Recent decisions', 'recent', recent)}`;
}

function decisions(title, key, rows) {
  const body = rows.map((e) => {
    const what =
      e.decision === 'fired'
        ? `${e.runId ? `<a href="#/runs/${encodeURIComponent(e.runId)}">run</a>` : 'run'}${e.outcome ? ` · ${esc(e.outcome)}` : ''}`
        : esc(e.reason ?? '');
    const tone = e.decision === 'fired' ? 'passed' : e.decision === 'missed' ? 'breached' : 'other';
    return `<tr data-decision="${esc(e.decision)}"><td class="when">${esc(formatTime(e.plannedAt))}</td><td>${esc(e.schedule)}</td><td><span class="badge ${tone}">${esc(e.decision)}</span></td><td>${what}</td></tr>`;
  });
  return `<section class="panel" data-${key}><h2>${esc(title)}</h2>${rows.length ? table(['planned', 'schedule', 'decision', ''], body) : '<p class="muted">none</p>'}</section>`;
}

function table(heads, rows) {
  if (rows.length === 0) return '<p class="muted">none</p>';
  return `<table><thead><tr>${heads.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
