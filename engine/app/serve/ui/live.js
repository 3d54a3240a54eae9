/**
 * The live run page (`#/runs/<id>`): state and verdict, the operator's controls, the timeline
 * planned against actual, the active faults (where they live and how to remove one by hand),
 * SLI charts and the SLO scoreboard updated every slice, guards, the room's notes and, once the
 * run is over, its reports. Everything comes from the event stream (api.js runEvents).
 */
import { getJSON, runEvents } from './api.js';
import { timeChart, timelineChart } from './charts.js';
import { renderControls } from './controls.js';
import { esc, formatDuration, formatTime, formatValue, sinceStart, verdictBadge } from './format.js';
import { applyJournal, emptyRun, objectiveFor, originOf, sliSeries } from './live-state.js';

const PHASES = ['preflight', 'baseline', 'fault', 'recovery'];

export async function showLive(root, runId, session) {
  const info = await getJSON(`/api/runs/${encodeURIComponent(runId)}`);
  root.innerHTML = `<header class="page-head"><div><h1 data-experiment>${esc(info.experiment)}</h1>
<p class="muted">run <code>${esc(runId)}</code> · <a href="#/experiments/${encodeURIComponent(info.experiment)}">trend of this experiment</a></p></div>
<div class="status" data-status></div></header>
<div data-controls></div>
<section data-reports hidden><h2>Reports of this run</h2><div data-report-links></div></section>
<div class="grid-2"><section><h2>Timeline</h2><div data-timeline></div></section>
<section><h2>Faults</h2><div data-faults></div><h2>Guards</h2><div data-guards></div></section></div>
<h2>SLOs, live</h2><div data-slos></div>
<h2>SLIs, one point per slice</h2><div class="charts live-charts" data-charts></div>
<div class="grid-2"><section><h2>Notes from the room</h2><div data-actions></div></section>
<section><h2>Events</h2><div class="event-log" data-log></div></section></div>
`;
  const $ = (sel) => root.querySelector(sel);
  const controls = renderControls($('[data-controls]'), runId, session);
  const run = emptyRun();
  run.state = { state: info.state, paused: false, outcome: info.outcome, exitCode: info.exitCode };
  let scheduled = false;
  const render = () => {
    scheduled = false;
    if (!root.isConnected) return;
    $('[data-status]').innerHTML = statusOf(run, info);
    controls.update(run.state);
    $('[data-timeline]').innerHTML = timelineOf(run);
    $('[data-faults]').innerHTML = faultsOf(run);
    $('[data-guards]').innerHTML = guardsOf(run);
    $('[data-slos]').innerHTML = scoreboardOf(run);
    $('[data-charts]').innerHTML = chartsOf(run);
    $('[data-actions]').innerHTML = actionsOf(run);
    $('[data-log]').innerHTML = logOf(run);
    const over = run.state.state === 'finished' || run.state.state === 'interrupted';
    $('[data-reports]').hidden = !over;
    if (over) $('[data-report-links]').innerHTML = reportLinks(runId, info);
  };
  const later = () => {
    if (!scheduled) {
      scheduled = true;
      setTimeout(render, 60);
    }
  };
  render();
  const close = runEvents(runId, {
    journal: (e) => {
      applyJournal(run, e);
      later();
    },
    scoreboard: (s) => {
      run.scoreboard = s.rows ?? [];
      later();
    },
    state: async (s) => {
      const wasOver = run.state.state === 'finished';
      run.state = { ...run.state, ...s };
      // The report files exist once the run is over: fetch their URLs again then.
      if (!wasOver && s.state === 'finished')
        Object.assign(info, await getJSON(`/api/runs/${encodeURIComponent(runId)}`));
      later();
    },
  });
  const tick = setInterval(() => (root.isConnected ? later() : stop()), 1000);
  const stop = () => {
    clearInterval(tick);
    close();
  };
  return stop;
}

function statusOf(run, info) {
  const s = run.state;
  const shown = s.state === 'finished' ? { state: 'finished', outcome: s.outcome ?? run.end?.outcome } : s;
  const badge = s.paused
    ? '<span class="badge warn" data-verdict="PAUSED">PAUSED</span>'
    : verdictBadge(shown);
  const since = run.start ? formatDuration((run.end?.t ?? Date.now()) - run.start.t) : '';
  const who = info.startedBy ? ` · started by ${esc(info.startedBy)}` : '';
  const queued =
    s.state === 'queued' ? '<p class="muted">Queued: it starts when the run ahead of it ends.</p>' : '';
  return `<div data-run-state="${esc(s.state)}" data-paused="${s.paused}">${badge} <span class="muted">${esc(since)}${who}</span></div>${queued}`;
}

function timelineOf(run) {
  if (!run.start) return '<div class="no-data-panel">waiting for the run to start</div>';
  const origin = originOf(run);
  const plan = run.start.plan;
  const toS = (t) => (t - origin) / 1000;
  const planned = {
    preflight: -plan.preflightMs,
    baseline: 0,
    fault: plan.baselineMs,
    recovery: plan.baselineMs + plan.faultMs,
  };
  const lengths = {
    preflight: plan.preflightMs,
    baseline: plan.baselineMs,
    fault: plan.faultMs,
    recovery: plan.recoveryMs,
  };
  const rows = [];
  const nowT = run.end?.t ?? Date.now();
  const cut = run.phases.find((p) => p.phase === 'rollback')?.t ?? nowT;
  for (const phase of PHASES) {
    const startS = planned[phase] / 1000;
    const endS = (planned[phase] + lengths[phase]) / 1000;
    rows.push({
      label: `${phase} (plan)`,
      planned: true,
      startS,
      endS,
      title: `${phase} as planned: ${formatDuration(lengths[phase])}`,
    });
    const entered = run.phases.find((p) => p.phase === phase);
    if (entered) {
      const next = run.phases.find(
        (p) => p.t >= entered.t && p.phase !== phase && (PHASES.includes(p.phase) || p.phase === 'rollback'),
      );
      const end = Math.min(next ? next.t : nowT, cut);
      rows.push({
        label: phase,
        cls: `phase-bar phase-${phase}`,
        planned: false,
        startS: toS(entered.t),
        endS: toS(Math.max(end, entered.t)),
        title: `${phase}: ${sinceStart(entered.t - run.start.t)} from start`,
      });
    }
  }
  for (const f of run.start.spec?.faults ?? []) {
    const at = plan.baselineMs + (f.at ?? 0);
    rows.push({
      label: `${f.name} (plan)`,
      planned: true,
      startS: at / 1000,
      endS: (at + (f.duration ?? plan.faultMs)) / 1000,
      title: `${f.kind} planned`,
    });
    for (const g of run.faults.values()) {
      if (g.name === f.name)
        rows.push({
          label: `fault ${f.name}`,
          cls: 'fault-bar',
          planned: false,
          startS: toS(g.t),
          endS: toS(g.revertedT ?? nowT),
          title: `${g.kind} on ${g.agent}`,
        });
    }
  }
  const ends = rows.map((r) => r.endS);
  const axis = { fromS: Math.min(...rows.map((r) => r.startS)), toS: Math.max(...ends) };
  return timelineChart({ rows, axis, nowS: run.end ? null : Math.min(axis.toS, toS(nowT)) });
}

function faultsOf(run) {
  const active = [...run.faults.values()].filter((f) => f.revertedT === null);
  const done = [...run.faults.values()].filter((f) => f.revertedT !== null);
  const rows = active.map(
    (f) =>
      `<tr data-fault="${esc(f.name)}" data-fault-state="active"><td><span class="badge failed">ACTIVE</span> <strong>${esc(f.name)}</strong><br><code>${esc(f.kind)}</code></td><td>${esc(f.agent)}<br><span class="muted">${esc(f.where)}</span></td><td class="num">${esc(sinceStart(f.t - (run.start?.t ?? f.t)))}</td><td>${f.removeCommand ? `<code>${esc(f.removeCommand)}</code>` : '<span class="muted">squall reverts it (planned end, abort, or the agent\'s lease)</span>'}</td></tr>`,
  );
  const past = done.map(
    (f) =>
      `<tr data-fault="${esc(f.name)}" data-fault-state="reverted" class="muted"><td>${esc(f.name)}</td><td>${esc(f.where)}</td><td class="num">${esc(sinceStart(f.t - (run.start?.t ?? f.t)))}</td><td>reverted at ${esc(sinceStart(f.revertedT - (run.start?.t ?? f.t)))}</td></tr>`,
  );
  const skipped = run.skipped.map(
    (s) => `<tr class="muted"><td>${esc(s.name)}</td><td colspan="3">skipped: ${esc(s.reason)}</td></tr>`,
  );
  const all = [...rows, ...past, ...skipped];
  if (all.length === 0) return '<p class="muted" data-no-faults>No fault injected yet.</p>';
  return `<table><thead><tr><th>fault</th><th>where</th><th>since</th><th>to remove</th></tr></thead><tbody>${all.join('')}</tbody></table>`;
}

function guardsOf(run) {
  const guards = run.start?.spec?.guards ?? [];
  if (guards.length === 0) return '<p class="muted">No guards in this experiment.</p>';
  return `<ul class="plain">${guards
    .map((g) => {
      const trip = run.guards.find((t) => t.guard === g.name);
      return `<li data-guard="${esc(g.name)}">${trip ? '<span class="breached">tripped</span>' : '<span class="met">watching</span>'} <strong>${esc(g.name)}</strong> <span class="muted">${esc(g.when)}${g.source ? ` on ${esc(g.source)}` : ''}</span>${trip ? `: ${esc(trip.reason)}` : ''}</li>`;
    })
    .join('')}</ul>`;
}

const STATE_WORDS = {
  met: 'met',
  breaching: 'BREACHING',
  pending: 'pending',
  nodata: 'no data',
  waiting: 'waiting',
};

function scoreboardOf(run) {
  if (run.scoreboard.length === 0)
    return '<p class="muted" data-no-scoreboard>The SLO table fills in with the first slice.</p>';
  const rows = run.scoreboard.map(
    (r) =>
      `<tr data-slo="${esc(r.slo)}" data-window="${esc(r.window)}" data-state="${esc(r.state)}"><td><strong>${esc(r.slo)}</strong><br><span class="muted">${esc(r.sli)}</span></td><td>${esc(r.window)}</td><td>${esc(typeof r.objective === 'string' ? r.objective : (r.objective?.text ?? ''))}</td><td class="num">${esc(formatValue(r.value, r.unit))}${r.pending ? ` <span class="muted">(${esc(r.pending)} pending)</span>` : ''}</td><td><span class="state-${esc(r.state)}">${esc(STATE_WORDS[r.state] ?? r.state)}</span></td></tr>`,
  );
  return `<table class="scoreboard"><thead><tr><th>SLO</th><th>window</th><th>objective</th><th>value so far</th><th>state</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function chartsOf(run) {
  const charts = sliSeries(run);
  if (charts.length === 0)
    return '<div class="no-data-panel">charts start with the first metrics slice</div>';
  const origin = originOf(run);
  const toS = (t) => (t - origin) / 1000;
  const xs = run.slices.map((m) => toS(m.startMs + m.durationMs));
  const plan = run.start?.plan;
  const plannedEnd = plan ? (plan.baselineMs + plan.faultMs + plan.recoveryMs) / 1000 : 0;
  const axis = {
    fromS: Math.min(0, ...xs, plan ? -plan.preflightMs / 1000 : 0),
    toS: Math.max(plannedEnd, ...xs, 1),
    faults: [...run.faults.values()].map((f) => ({
      name: f.name,
      startS: toS(f.t),
      endS: toS(f.revertedT ?? Date.now()),
    })),
    phases: run.phases
      .filter((p) => PHASES.includes(p.phase))
      .map((p) => ({ phase: p.phase, startS: toS(p.t) })),
  };
  return charts
    .map((c) => {
      const o = objectiveFor(run, c.id);
      return timeChart({ ...c, axis, objective: o ? { value: o.value, text: `objective ${o.text}` } : null });
    })
    .join('');
}

function actionsOf(run) {
  if (run.actions.length === 0)
    return '<p class="muted">No note or action yet. Notes land in the journal, report.html and postmortem.md.</p>';
  const start = run.start?.t ?? run.actions[0].t;
  const what = (e) =>
    e.type === 'operator.note'
      ? esc(e.text)
      : e.type === 'abort'
        ? 'aborted the run'
        : e.type === 'operator.pause'
          ? 'paused the run'
          : 'resumed the run';
  return `<table><tbody>${run.actions.map((e) => `<tr data-action-type="${esc(e.type)}"><td class="num">${esc(sinceStart(e.t - start))}</td><td><strong>${esc(e.by)}</strong></td><td>${what(e)}</td></tr>`).join('')}</tbody></table>`;
}

function logOf(run) {
  const start = run.start?.t ?? 0;
  return `<table><tbody>${run.log
    .slice(-40)
    .reverse()
    .map(
      (l) =>
        `<tr class="ev-${esc(l.type.replace('.', '-'))}"><td class="num">${esc(sinceStart(l.t - start))}</td><td>${esc(l.text)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function reportLinks(runId, info) {
  const base = `/api/runs/${encodeURIComponent(runId)}/files/`;
  const r = info.reports ?? {};
  const links = [
    ['report.html', r.html ?? `${base}report.html`],
    ['summary.md', r.md ?? `${base}summary.md`],
    ['postmortem.md', r.postmortem ?? `${base}postmortem.md`],
    ['journal.jsonl', r.journal ?? `${base}journal.jsonl`],
  ];
  return `<ul class="links">${links.map(([name, href]) => `<li><a href="${esc(href)}" data-report="${esc(name)}" target="_blank" rel="noopener">${esc(name)}</a></li>`).join('')}</ul><p class="muted">Ended ${esc(formatTime(info.endedAt))}.</p>`;
}
