/**
 * The run's shape in time, from the journal alone: phase spans (as the runner scored them)
 * and a human timeline of what happened (phases, faults, guard trips, errors, verdict).
 *
 * Phase spans are rebuilt the way the runner sets them (engine/run/runner.ts): from the
 * `preflight` phase event plus the planned durations, so windows fall on slice boundaries;
 * a phase cut short (abort, error) ends at the `rollback` phase event. The event loop's own
 * phase events lag by a few ms and are only the fallback when the plan is missing.
 */
import type { JournalEvent, PhaseName, RunStartEvent } from '../engine/core/journal-events.js';
import { describeAction, operatorActionOf } from './operator-actions.js';

export type ScoredPhase = 'preflight' | 'baseline' | 'fault' | 'recovery';

export interface PhaseSpan {
  phase: ScoredPhase;
  startMs: number;
  endMs: number;
}

const SCORED: readonly ScoredPhase[] = ['preflight', 'baseline', 'fault', 'recovery'];

export function phaseSpans(events: readonly JournalEvent[]): PhaseSpan[] {
  const start = events.find((e): e is RunStartEvent => e.type === 'run.start');
  const phaseAt = new Map<PhaseName, number>();
  for (const e of events) if (e.type === 'phase' && !phaseAt.has(e.phase)) phaseAt.set(e.phase, e.t);
  const cut = phaseAt.get('rollback') ?? lastT(events);
  const preflightT = phaseAt.get('preflight');
  const spans: PhaseSpan[] = [];
  if (start?.plan && preflightT !== undefined) {
    const durations: Record<ScoredPhase, number> = {
      preflight: start.plan.preflightMs,
      baseline: start.plan.baselineMs,
      fault: start.plan.faultMs,
      recovery: start.plan.recoveryMs,
    };
    let at = preflightT;
    for (const phase of SCORED) {
      const endMs = at + durations[phase];
      // A phase the run never entered has no span.
      if (!phaseAt.has(phase)) break;
      spans.push({ phase, startMs: at, endMs: Math.min(endMs, Math.max(cut, at)) });
      at = endMs;
    }
    return spans;
  }
  const entered = SCORED.filter((p) => phaseAt.has(p));
  entered.forEach((phase, i) => {
    const next = entered[i + 1];
    spans.push({ phase, startMs: phaseAt.get(phase)!, endMs: next ? phaseAt.get(next)! : cut });
  });
  return spans;
}

function lastT(events: readonly JournalEvent[]): number {
  let t = 0;
  for (const e of events) if (typeof e.t === 'number' && e.t > t) t = e.t;
  return t;
}

/** The origin every offset in the reports is measured from: the start of the baseline. */
export function originMs(events: readonly JournalEvent[], spans: readonly PhaseSpan[]): number {
  return spans.find((s) => s.phase === 'baseline')?.startMs ?? spans[0]?.startMs ?? events[0]?.t ?? 0;
}

export interface TimelineEntry {
  /** Epoch ms (controller clock). */
  t: number;
  kind: 'phase' | 'fault' | 'guard' | 'abort' | 'error' | 'warning' | 'verdict' | 'end' | 'operator' | 'note';
  text: string;
}

/** What a reader of the postmortem wants on the timeline; metrics and info logs are left out. */
export function timelineEntries(events: readonly JournalEvent[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'operator.note':
      case 'operator.pause':
      case 'operator.resume': {
        const action = operatorActionOf(e, e.t);
        if (action)
          out.push({
            t: e.t,
            kind: e.type === 'operator.note' ? 'note' : 'operator',
            text: describeAction(action),
          });
        break;
      }
      case 'phase':
        if (e.phase !== 'done') out.push({ t: e.t, kind: 'phase', text: `phase ${e.phase} begins` });
        break;
      case 'fault.injected':
        out.push({
          t: e.t,
          kind: 'fault',
          text: `fault '${e.name}' (${e.kind}) injected on ${e.agent}: ${e.where}`,
        });
        break;
      case 'fault.reverted':
        out.push({
          t: e.t,
          kind: 'fault',
          text: `fault '${e.name}' (${e.kind}) reverted after ${e.attempts} attempt(s)`,
        });
        break;
      case 'fault.inject_failed':
        out.push({
          t: e.t,
          kind: 'error',
          text: `fault '${e.name}' (${e.kind}) could not be injected: ${e.error}`,
        });
        break;
      case 'fault.revert_failed':
        out.push({
          t: e.t,
          kind: 'error',
          text: `ROLLBACK FAILED for ${e.leftover.kind} (${e.leftover.faultId}) on ${e.leftover.where}: ${e.leftover.error}`,
        });
        break;
      case 'agent.session_lost':
        out.push({
          t: e.t,
          kind: 'error',
          text: `lost the session to agent '${e.agent}': ${e.message}${e.handedOver.length ? ` (left to the agent to revert: ${e.handedOver.map((f) => f.name).join(', ')})` : ''}`,
        });
        break;
      case 'guard.tripped':
        out.push({ t: e.t, kind: 'guard', text: `guard '${e.guard}' tripped: ${e.reason}` });
        break;
      case 'abort':
        out.push({
          t: e.t,
          kind: 'abort',
          text: `run aborted (${e.reason}${e.by ? ` by ${e.by}` : ''}): ${e.detail}`,
        });
        break;
      case 'error':
        out.push({ t: e.t, kind: 'error', text: `${e.code}: ${firstLine(e.message)}` });
        break;
      case 'log':
        if (e.level === 'warn') out.push({ t: e.t, kind: 'warning', text: e.message });
        break;
      case 'verdict':
        out.push({
          t: e.t,
          kind: 'verdict',
          text: `verdict: hypothesis ${e.hypothesis}, resilience score ${e.resilienceScore}/100`,
        });
        break;
      case 'run.end':
        out.push({ t: e.t, kind: 'end', text: `run ended: ${e.outcome} (exit ${e.exitCode})` });
        break;
      default:
        break;
    }
  }
  return out;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
