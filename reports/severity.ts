/**
 * A run's severity: the worst level of the things that happened in it (docs/incidents.md,
 * "Severity matrix"). A failed rollback is always P1: a fault may still be active. A breached SLO
 * carries its own `severity:` (P3 when it has none); a guard trip the severity of the SLO its
 * burn rate watches, else P2; a run that gave no trustworthy verdict (preflight refused, an
 * infrastructure error, no data, a negative control that did not breach) P3; the rest P4.
 * Computed from the journal alone, like every other number in the reports.
 */
import { describeSlo } from '../engine/core/format.js';
import type { JournalEvent } from '../engine/core/journal-events.js';
import {
  DEFAULT_SLO_SEVERITY,
  isSeverity,
  mostSevere,
  SEVERITY_INFO,
  SEVERITY_LEVELS,
  type Severity,
} from '../engine/core/severity.js';
import { guardName } from '../engine/run/scoring.js';
import type { RunSummary } from './summary.js';

export interface SeverityReason {
  level: Severity;
  /**
   * What happened: a fault left active, an SLO breached, a guard tripped, no verdict anyone can
   * trust (preflight refused, infrastructure error, no data, a negative control that held), the
   * operator's stop, or nothing wrong.
   */
  kind: 'leftover' | 'slo_breached' | 'guard_tripped' | 'no_verdict' | 'operator_stop' | 'as_expected';
  /** The SLO or guard it is about, for those kinds. */
  subject?: string;
  text: string;
}

export interface RunSeverity {
  level: Severity;
  /** The level's word: critical, major, minor, informational. */
  name: string;
  /** What the level calls for (engine/core/severity.ts, docs/incidents.md). */
  escalation: string;
  /** Everything that set a level, most severe first. */
  reasons: SeverityReason[];
}

/** The levels the experiment gave its SLOs and guards, as recorded in run.start. */
export interface SeverityTable {
  slo(name: string): Severity;
  guard(name: string): Severity;
  /** Every guard of the experiment, by the name the journal gives it. */
  guardNames: readonly string[];
}

/** A guard that watches no SLO's burn rate: the fleet is hurting more than the run allows. */
const GUARD_SEVERITY: Severity = 'P2';
/** A run that gave no verdict anyone can trust. */
const NO_VERDICT_SEVERITY: Severity = 'P3';

interface SpecView {
  slos?: { name?: unknown; severity?: unknown }[];
  guards?: { name?: string; when?: string; burnRate?: { slo?: unknown } }[];
}

export function severityTable(events: readonly JournalEvent[]): SeverityTable {
  const start = events.find((e) => e.type === 'run.start');
  const spec = (start?.type === 'run.start' ? start.spec : undefined) as SpecView | undefined;
  const slos = new Map<string, Severity>();
  for (const slo of spec?.slos ?? [])
    if (typeof slo.name === 'string' && isSeverity(slo.severity)) slos.set(slo.name, slo.severity);
  const sloLevel = (name: string) => slos.get(name) ?? DEFAULT_SLO_SEVERITY;
  const guards = new Map<string, Severity>();
  for (const [i, guard] of (spec?.guards ?? []).entries()) {
    const watched = guard.burnRate?.slo;
    guards.set(guardName(guard, i), typeof watched === 'string' ? sloLevel(watched) : GUARD_SEVERITY);
  }
  return {
    slo: sloLevel,
    guard: (name) => guards.get(name) ?? GUARD_SEVERITY,
    guardNames: [...guards.keys()],
  };
}

type Facts = Pick<
  RunSummary,
  | 'slos'
  | 'leftovers'
  | 'guardTrips'
  | 'aborted'
  | 'infrastructureError'
  | 'outcome'
  | 'complete'
  | 'problems'
>;

export function runSeverity(s: Facts, table: SeverityTable): RunSeverity {
  const reasons: SeverityReason[] = [];
  const add = (level: Severity, kind: SeverityReason['kind'], text: string, subject?: string) =>
    reasons.push(subject === undefined ? { level, kind, text } : { level, kind, subject, text });
  const noVerdict = (text: string, subject?: string) => add(NO_VERDICT_SEVERITY, 'no_verdict', text, subject);
  if (s.leftovers.length > 0)
    add('P1', 'leftover', `rollback failed: ${s.leftovers.length} fault(s) may still be active`);
  for (const slo of s.slos) {
    const negativeControl = slo.expect === 'breached';
    if (slo.status === 'nodata') noVerdict(`'${slo.name}': ${describeSlo(slo)}`, slo.name);
    else if (!negativeControl && slo.status === 'breached')
      add(table.slo(slo.name), 'slo_breached', `'${slo.name}' breached: ${describeSlo(slo)}`, slo.name);
    else if (negativeControl && slo.status === 'met')
      noVerdict(`negative control '${slo.name}' did not breach: ${describeSlo(slo)}`, slo.name);
  }
  for (const trip of s.guardTrips)
    add(
      table.guard(trip.guard),
      'guard_tripped',
      `guard '${trip.guard}' tripped: ${trip.reason}`,
      trip.guard,
    );
  if (s.aborted?.reason === 'preflight')
    noVerdict(`preflight refused, nothing was injected: ${s.aborted.detail}`);
  if (s.aborted?.reason === 'signal')
    add('P4', 'operator_stop', `stopped by the operator: ${s.aborted.detail}`);
  if (s.infrastructureError)
    noVerdict(`infrastructure error ${s.infrastructureError.code}: ${s.infrastructureError.cause}`);
  if (s.outcome === 'invalid') noVerdict('the experiment was refused when the run started');
  if (!s.complete) noVerdict(`the journal is incomplete: ${s.problems.join('; ')}`);
  if (reasons.length === 0) add('P4', 'as_expected', 'every SLO came out as the experiment expected');
  // Stable: reasons of one level keep the order they were found in.
  reasons.sort((a, b) => SEVERITY_LEVELS.indexOf(a.level) - SEVERITY_LEVELS.indexOf(b.level));
  const level = mostSevere(reasons.map((r) => r.level));
  return { level, name: SEVERITY_INFO[level].name, escalation: SEVERITY_INFO[level].escalation, reasons };
}
