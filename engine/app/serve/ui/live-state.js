/**
 * What the live page knows about a run, folded from the server's events in order: the plan
 * (run.start), phases entered, faults active and done, SLI points per slice (metrics), the SLO
 * scoreboard, guard trips, the room's actions, and the run's state. Replay and live events go
 * through the same fold, so a late joiner sees what the room saw.
 */

export function emptyRun() {
  return {
    start: null,
    phases: [],
    faults: new Map(),
    skipped: [],
    slices: [],
    scoreboard: [],
    guards: [],
    actions: [],
    log: [],
    end: null,
    state: { state: 'queued', paused: false },
    lastSeq: -1,
  };
}

const LOGGED = {
  phase: (e) => (e.phase === 'done' ? null : `phase ${e.phase} begins`),
  'fault.injected': (e) => `fault '${e.name}' (${e.kind}) injected on ${e.agent}: ${e.where}`,
  'fault.reverted': (e) => `fault '${e.name}' reverted`,
  'fault.inject_failed': (e) => `fault '${e.name}' could not be injected: ${e.error}`,
  'fault.revert_failed': (e) =>
    `ROLLBACK FAILED on ${e.leftover.where}: remove with ${e.leftover.removeCommand}`,
  'fault.skipped': (e) => `fault '${e.name}' skipped: ${e.reason}`,
  'guard.tripped': (e) => `guard '${e.guard}' tripped: ${e.reason}`,
  abort: (e) => `run aborted (${e.reason}${e.by ? ` by ${e.by}` : ''}): ${e.detail}`,
  error: (e) => `${e.code}: ${String(e.message).split('\n')[0]}`,
  'operator.note': (e) => `note from ${e.by}: ${e.text}`,
  'operator.pause': (e) => `${e.by} paused the run`,
  'operator.resume': (e) => `${e.by} resumed the run`,
  verdict: (e) => `verdict: hypothesis ${e.hypothesis}, resilience score ${e.resilienceScore}/100`,
  'run.end': (e) => `run ended: ${e.outcome} (exit ${e.exitCode})`,
};

/** Folds one journal event in; an event seen before (a reconnect's replay) is ignored. */
export function applyJournal(run, e) {
  if (typeof e.seq === 'number') {
    if (e.seq <= run.lastSeq) return;
    run.lastSeq = e.seq;
  }
  switch (e.type) {
    case 'run.start':
      run.start = e;
      break;
    case 'phase':
      run.phases.push({ phase: e.phase, t: e.t });
      break;
    case 'fault.injected':
      run.faults.set(e.faultId, { ...e, revertedT: null });
      break;
    case 'fault.reverted': {
      const f = run.faults.get(e.faultId);
      if (f) f.revertedT = e.t;
      break;
    }
    case 'fault.skipped':
      run.skipped.push(e);
      break;
    case 'agent.session_lost':
      for (const h of e.handedOver) {
        const f = run.faults.get(h.faultId);
        if (f) f.removeCommand = h.removeCommand;
      }
      break;
    case 'metrics':
      run.slices.push(e);
      break;
    case 'guard.tripped':
      run.guards.push(e);
      break;
    case 'operator.note':
    case 'operator.pause':
    case 'operator.resume':
      run.actions.push(e);
      break;
    case 'abort':
      if (e.reason === 'operator') run.actions.push(e);
      break;
    case 'run.end':
      run.end = e;
      break;
    default:
      break;
  }
  const text = LOGGED[e.type]?.(e);
  if (text) run.log.push({ t: e.t, type: e.type, text });
}

/** Where offsets count from: the start of the baseline (as the reports), planned until it begins. */
export function originOf(run) {
  const baseline = run.phases.find((p) => p.phase === 'baseline');
  if (baseline) return baseline.t;
  const preflight = run.phases.find((p) => p.phase === 'preflight');
  if (preflight && run.start) return preflight.t + run.start.plan.preflightMs;
  return run.start ? run.start.t + (run.start.plan?.preflightMs ?? 0) : Date.now();
}

/** The SLI series the live charts draw, one point per slice at the slice's end. */
export function sliSeries(run) {
  const origin = originOf(run);
  const at = (m) => (m.startMs + m.durationMs - origin) / 1000;
  const charts = new Map();
  const add = (id, title, unit, series, x, v) => {
    if (!Number.isFinite(v)) return;
    if (!charts.has(id)) charts.set(id, { id, title, unit, series: new Map() });
    const c = charts.get(id);
    if (!c.series.has(series)) c.series.set(series, []);
    c.series.get(series).push([x, v]);
  };
  for (const m of run.slices) {
    const x = at(m);
    for (const key of Object.keys(m.counters)) {
      if (!key.endsWith('.total')) continue;
      const src = key.slice(0, -'.total'.length);
      const total = m.counters[key];
      if (total > 0)
        add(
          `${src}-success`,
          `${src}: success ratio`,
          'ratio',
          'success ratio',
          x,
          (m.counters[`${src}.ok`] ?? 0) / total,
        );
    }
    for (const [key, l] of Object.entries(m.latencies)) {
      if (l.count > 0)
        add(`${key}-p99`, `${key.replace('.', ': ').replace(/_/g, ' ')} (p99)`, 'ms', 'p99', x, l.p99);
    }
    if ('fleet.connected' in m.gauges) {
      add(
        'fleet-connected',
        'fleet: connected devices',
        'devices',
        'connected',
        x,
        m.gauges['fleet.connected'],
      );
      if ('fleet.target' in m.gauges)
        add('fleet-connected', '', 'devices', 'target', x, m.gauges['fleet.target']);
    }
    const perS = (n) => n / (m.durationMs / 1000);
    for (const name of ['published', 'acked', 'received']) {
      const v = m.counters[`fleet.${name}`];
      if (v !== undefined) add('fleet-rate', 'fleet: messages per second', 'msg/s', name, x, perS(v));
    }
  }
  return [...charts.values()].map((c) => ({
    ...c,
    series: [...c.series].map(([name, points]) => ({ name, points })),
  }));
}

/** The spec's objective for a chart (success_ratio or latency_p99 of that source), for its line. */
export function objectiveFor(run, chartId) {
  const slos = run.start?.spec?.slos ?? [];
  for (const s of slos) {
    if (s.sli === 'success_ratio' && chartId === `${s.source}-success`) return s.objective;
    if (s.sli === 'latency_p99' && chartId === `${s.source}.latency-p99`) return s.objective;
    if (s.sli === 'e2e_latency_p99' && chartId === 'fleet.e2e_latency-p99') return s.objective;
  }
  return null;
}
