/**
 * The plan: what a run will do and when, before anything is touched. Pure — built from the
 * loaded experiment alone — so `squall plan`, `squall run --dry-run` and the runner's journal
 * all show the same timeline and blast radius.
 *
 * Offsets are ms from the start of the baseline: preflight has a negative offset, faults start
 * at `baseline + at`.
 */

import { escapeControlLines } from '../core/escape.js';
import { formatDurationMs } from '../core/units.js';
import type { Experiment, TargetSpec } from '../spec/schema.js';

export type PlannedPhaseName = 'preflight' | 'baseline' | 'fault' | 'recovery';

export interface PlannedPhase {
  name: PlannedPhaseName;
  /** Start, ms from the start of the baseline (negative for preflight). */
  startMs: number;
  durationMs: number;
}

export interface PlannedFault {
  name: string;
  kind: string;
  /** The agent that applies it: `target.agent`, or `local`. */
  agent: string;
  target: TargetSpec;
  /** Start, ms from the start of the baseline. */
  startMs: number;
  /** 0 for an instantaneous fault written without a duration. */
  durationMs: number;
  params: Record<string, unknown>;
}

/** Everything a run can touch; reviewed before a game day. */
export interface BlastRadius {
  agents: string[];
  /** Hosts named by fault targets, and the hosts of the agents that apply faults. */
  hosts: string[];
  /** Process targets: names, `pid 1234`, `pidFile path`. */
  processes: string[];
  proxies: string[];
  /** `fleet.devices`, when it is a number. */
  devices?: number;
  /** The tenants of `fleet.tenants`, if any. */
  tenants: string[];
}

export interface Plan {
  experiment: string;
  phases: PlannedPhase[];
  /** Sorted by start, then by order in the file. */
  faults: PlannedFault[];
  /** Phase lengths, the shape the journal's `run.start` event carries. */
  durations: { preflightMs: number; baselineMs: number; faultMs: number; recoveryMs: number };
  /** Baseline start to the end of recovery. */
  runMs: number;
  /** Preflight included: how long the whole run takes, before rollback and scoring. */
  totalMs: number;
  blastRadius: BlastRadius;
}

/** Builds the plan. The fault window is `phases.fault`, or until the last fault ends. */
export function buildPlan(experiment: Experiment): Plan {
  const { phases } = experiment;
  const lastFaultEndMs = Math.max(0, ...experiment.faults.map((f) => f.at + (f.duration ?? 0)));
  const durations = {
    preflightMs: phases.preflight,
    baselineMs: phases.baseline,
    faultMs: phases.fault ?? lastFaultEndMs,
    recoveryMs: phases.recovery,
  };
  const planned: PlannedPhase[] = [
    { name: 'preflight', startMs: -durations.preflightMs, durationMs: durations.preflightMs },
    { name: 'baseline', startMs: 0, durationMs: durations.baselineMs },
    { name: 'fault', startMs: durations.baselineMs, durationMs: durations.faultMs },
    { name: 'recovery', startMs: durations.baselineMs + durations.faultMs, durationMs: durations.recoveryMs },
  ];
  const faults = experiment.faults
    .map((f) => ({
      name: f.name,
      kind: f.kind,
      agent: f.target.agent ?? 'local',
      target: f.target,
      startMs: durations.baselineMs + f.at,
      durationMs: f.duration ?? 0,
      params: f.params,
    }))
    .sort((a, b) => a.startMs - b.startMs);
  const runMs = durations.baselineMs + durations.faultMs + durations.recoveryMs;
  return {
    experiment: experiment.metadata.name,
    phases: planned,
    faults,
    durations,
    runMs,
    totalMs: durations.preflightMs + runMs,
    blastRadius: blastRadius(experiment, faults),
  };
}

function blastRadius(experiment: Experiment, faults: PlannedFault[]): BlastRadius {
  const agents = new Set<string>();
  const hosts = new Set<string>();
  const processes = new Set<string>();
  const proxies = new Set<string>();
  for (const f of faults) {
    agents.add(f.agent);
    const address = experiment.agents?.[f.agent]?.address;
    if (address) hosts.add(address.slice(0, address.lastIndexOf(':')));
    if (f.target.host) hosts.add(f.target.host);
    if (f.target.process) processes.add(f.target.process);
    if (f.target.pid !== undefined) processes.add(`pid ${f.target.pid}`);
    if (f.target.pidFile) processes.add(`pidFile ${f.target.pidFile}`);
    if (f.target.proxy) proxies.add(f.target.proxy);
  }
  const fleet = experiment.fleet;
  const tenants = Object.keys(fleet?.tenants ?? {});
  const radius: BlastRadius = {
    agents: [...agents].sort(),
    hosts: [...hosts].sort(),
    processes: [...processes].sort(),
    proxies: [...proxies].sort(),
    tenants,
  };
  const devices = fleet?.devices ?? fleet?.groups?.reduce((sum, g) => sum + g.devices, 0);
  if (devices !== undefined) radius.devices = devices;
  return radius;
}

/** Offsets as people read them on a timeline: `-3s`, `+0s`, `+1m30s`. */
function offset(ms: number): string {
  return ms < 0 ? `-${formatDurationMs(-ms)}` : `+${formatDurationMs(ms)}`;
}

function targetText(f: PlannedFault): string {
  const { agent: _agent, ...rest } = f.target;
  const what = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `${what || '-'} @ ${f.agent}`;
}

/** The plan as a timeline table and a blast-radius summary, for terminals and `--dry-run`. */
export function renderPlan(plan: Plan): string {
  const rows: string[][] = [['offset', 'phase', 'fault', 'kind', 'target', 'duration']];
  for (const phase of plan.phases) {
    if (phase.name === 'preflight' && phase.durationMs === 0) continue;
    rows.push([offset(phase.startMs), phase.name, '', '', '', formatDurationMs(phase.durationMs)]);
    if (phase.name !== 'fault') continue;
    for (const f of plan.faults) {
      const duration = f.durationMs === 0 ? 'instant' : formatDurationMs(f.durationMs);
      rows.push([offset(f.startMs), '', f.name, f.kind, targetText(f), duration]);
    }
  }
  rows.push([offset(plan.runMs), 'end', '', '', '', '']);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );

  const r = plan.blastRadius;
  const radius = [
    ['agents', r.agents.join(', ')],
    ['hosts', r.hosts.join(', ')],
    ['processes', r.processes.join(', ')],
    ['proxies', r.proxies.join(', ')],
    ['devices', r.devices === undefined ? '' : r.devices.toLocaleString('en-US')],
    ['tenants', r.tenants.join(', ')],
  ].filter(([, v]) => v);
  const d = plan.durations;
  const lines = [
    `Plan for ${plan.experiment}`,
    '',
    ...table,
    '',
    `Total ${formatDurationMs(plan.totalMs)}: preflight ${formatDurationMs(d.preflightMs)}, baseline ${formatDurationMs(d.baselineMs)}, fault window ${formatDurationMs(d.faultMs)}, recovery ${formatDurationMs(d.recoveryMs)}`,
    '',
    'Blast radius:',
    ...(radius.length
      ? radius.map(([k, v]) => `  ${k!.padEnd(9)}  ${v}`)
      : ['  nothing: this experiment injects no faults']),
  ];
  // Targets and names are user text: shown with control characters escaped (escape.ts).
  return `${escapeControlLines(lines.join('\n'))}\n`;
}
