/**
 * The alert model: what a run says to the people who watch it, derived from its journal (the
 * summary of reports/summary.ts, and single events for guard trips and leftovers, which are
 * sent the moment they happen). Shapes follow Alertmanager's (labels, annotations, startsAt,
 * endsAt), so one alert is the same alert in every receiver:
 *
 * - `SquallSloBreached` {experiment, slo, severity}: an SLO the run expected to meet and
 *   breached; resolved by a later run of the experiment that meets it.
 * - `SquallGuardTripped` {experiment, guard, severity}: resolved by a later scored run in which
 *   the guard held.
 * - `SquallFaultLeftover` {experiment, fault, severity: P1}: never resolved by a run; a person
 *   removes the fault (the alert says how) and the alert runs out.
 * - `SquallRunFailed` {experiment, severity: P3}: the run gave no verdict anyone can trust
 *   (preflight refused, infrastructure error, no data, a negative control that did not
 *   breach); resolved by a later run that does.
 *
 * Labels are stable from run to run (a severity comes from the experiment, not the run), because
 * in Alertmanager they are the alert's identity. Every notification has an id derived from the
 * run and what happened, so a retried or re-sent notification is recognisably the same one.
 */
import { createHash } from 'node:crypto';
import { type SeverityTable, severityTable } from '../../reports/severity.js';
import type { LoadedRun } from '../../reports/write.js';
import { verdictWord } from '../core/format.js';
import type { FaultRevertFailedEvent, GuardTripEvent, RunStartEvent } from '../core/journal-events.js';
import { SEVERITY_INFO, type Severity } from '../core/severity.js';

export type AlertStatus = 'firing' | 'resolved';

export interface Alert {
  status: AlertStatus;
  severity: Severity;
  /** The alert's identity (Alertmanager's): alertname, experiment, severity and its subject. */
  labels: Record<string, string>;
  /** `summary`, `description`, and `runbook_url` when the experiment names a runbook. */
  annotations: Record<string, string>;
  startsAt: string;
  /** When it stopped (resolved); null while firing (receivers give it their own lifetime). */
  endsAt: string | null;
}

export type NotificationEvent = 'run.end' | 'guard.tripped' | 'fault.leftover';

/** One thing that happened, with the alerts it raises or resolves. The webhook body, as is. */
export interface Notification {
  version: 1;
  /** Stable for the same run and happening: the idempotency key. */
  id: string;
  event: NotificationEvent;
  /** `resolved` only for a run that ended at P4 (nothing wrong): it can only resolve alerts. */
  status: AlertStatus;
  severity: Severity;
  severityName: string;
  escalation: string;
  experiment: string;
  runId: string;
  /** The run's outcome (run.end only). */
  outcome: string | null;
  title: string;
  /** What set the severity, most severe first. */
  reasons: string[];
  runbook: string | null;
  /** When it happened (ISO). */
  at: string;
  alerts: Alert[];
}

/** What every notification of one run needs, from its run.start event. */
export interface RunContext {
  experiment: string;
  runId: string;
  runbook: string | null;
  table: SeverityTable;
}

export function runContext(start: RunStartEvent): RunContext {
  const runbook = (start.spec as { metadata?: { runbook?: unknown } } | undefined)?.metadata?.runbook;
  return {
    experiment: start.experiment,
    runId: start.runId,
    runbook: typeof runbook === 'string' ? runbook : null,
    table: severityTable([start]),
  };
}

/** `sq-` and 32 hex digits of SHA-256 over the parts: the same parts, the same id. */
function notificationId(...parts: (string | number)[]): string {
  return `sq-${createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32)}`;
}

const iso = (t: number) => new Date(t).toISOString();

function annotations(ctx: RunContext, summary: string, description: string): Record<string, string> {
  return { summary, description, ...(ctx.runbook ? { runbook_url: ctx.runbook } : {}) };
}

function notification(
  ctx: RunContext,
  fields: Pick<
    Notification,
    'id' | 'event' | 'status' | 'severity' | 'title' | 'reasons' | 'at' | 'alerts'
  > & {
    outcome?: string;
  },
): Notification {
  return {
    version: 1,
    ...fields,
    severityName: SEVERITY_INFO[fields.severity].name,
    escalation: SEVERITY_INFO[fields.severity].escalation,
    experiment: ctx.experiment,
    runId: ctx.runId,
    outcome: fields.outcome ?? null,
    runbook: ctx.runbook,
  };
}

export function guardTripNotification(ctx: RunContext, event: GuardTripEvent): Notification {
  const severity = ctx.table.guard(event.guard);
  const text = `guard '${event.guard}' tripped: ${event.reason}`;
  return notification(ctx, {
    id: notificationId(ctx.runId, 'guard.tripped', event.guard, event.seq),
    event: 'guard.tripped',
    status: 'firing',
    severity,
    title: `${ctx.experiment}: guard '${event.guard}' tripped; the run is stopping and rolling back`,
    reasons: [text],
    at: iso(event.t),
    alerts: [guardAlert(ctx, event.guard, 'firing', iso(event.t), null, text)],
  });
}

function guardAlert(
  ctx: RunContext,
  guard: string,
  status: AlertStatus,
  startsAt: string,
  endsAt: string | null,
  text: string,
): Alert {
  const severity = ctx.table.guard(guard);
  return {
    status,
    severity,
    labels: { alertname: 'SquallGuardTripped', experiment: ctx.experiment, guard, severity },
    annotations: annotations(ctx, `${ctx.experiment}: guard '${guard}'`, text),
    startsAt,
    endsAt,
  };
}

export function leftoverNotification(ctx: RunContext, event: FaultRevertFailedEvent): Notification {
  const l = event.leftover;
  const text = `${l.kind} (${l.faultId}) on ${l.where} could not be reverted after ${event.attempts} attempt(s): ${l.error}; remove it with: ${l.removeCommand}`;
  return notification(ctx, {
    id: notificationId(ctx.runId, 'fault.leftover', l.faultId),
    event: 'fault.leftover',
    status: 'firing',
    severity: 'P1',
    title: `${ctx.experiment}: rollback failed, fault ${l.kind} may still be active on ${l.where}`,
    reasons: [text],
    at: iso(event.t),
    alerts: [
      {
        status: 'firing',
        severity: 'P1',
        labels: {
          alertname: 'SquallFaultLeftover',
          experiment: ctx.experiment,
          fault: l.faultId,
          severity: 'P1',
        },
        annotations: {
          ...annotations(ctx, `${ctx.experiment}: fault ${l.kind} may still be active`, text),
          remove_command: l.removeCommand,
        },
        startsAt: iso(event.t),
        endsAt: null,
      },
    ],
  });
}

/** The run's end: its SLOs' alerts fired or resolved, SquallRunFailed, and guards that held. */
function runEndNotification(run: LoadedRun): Notification | undefined {
  const start = run.events.find((e): e is RunStartEvent => e.type === 'run.start');
  if (!start) return undefined;
  const ctx = runContext(start);
  const s = run.summary;
  const endedAt = s.endedAt ?? s.startedAt;
  const alerts: Alert[] = [];
  for (const slo of s.slos) {
    if (slo.expect === 'breached' || slo.status === 'nodata') continue;
    const severity = ctx.table.slo(slo.name);
    const firing = slo.status === 'breached';
    const reason = s.severity.reasons.find((r) => r.kind === 'slo_breached' && r.subject === slo.name);
    alerts.push({
      status: firing ? 'firing' : 'resolved',
      severity,
      labels: { alertname: 'SquallSloBreached', experiment: ctx.experiment, slo: slo.name, severity },
      annotations: annotations(
        ctx,
        `${ctx.experiment}: SLO '${slo.name}' ${firing ? 'breached' : 'met'}`,
        reason?.text ?? `'${slo.name}' met in run ${ctx.runId}`,
      ),
      startsAt: s.startedAt,
      endsAt: firing ? null : endedAt,
    });
  }
  const scored = s.outcome === 'passed' || s.outcome === 'slo_breached';
  const noVerdict = s.severity.reasons.filter((r) => r.kind === 'no_verdict');
  if (noVerdict.length > 0 || scored) {
    alerts.push({
      status: noVerdict.length > 0 ? 'firing' : 'resolved',
      severity: 'P3',
      labels: { alertname: 'SquallRunFailed', experiment: ctx.experiment, severity: 'P3' },
      annotations: annotations(
        ctx,
        `${ctx.experiment}: ${noVerdict.length > 0 ? 'no trustworthy verdict' : 'the run gave a verdict'}`,
        noVerdict.map((r) => r.text).join('; ') || `run ${ctx.runId} was scored`,
      ),
      startsAt: s.startedAt,
      endsAt: noVerdict.length > 0 ? null : endedAt,
    });
  }
  if (scored) {
    const tripped = new Set(s.guardTrips.map((g) => g.guard));
    for (const guard of ctx.table.guardNames.filter((g) => !tripped.has(g)))
      alerts.push(guardAlert(ctx, guard, 'resolved', s.startedAt, endedAt, `guard '${guard}' held`));
  }
  const { level } = s.severity;
  return notification(ctx, {
    id: notificationId(ctx.runId, 'run.end'),
    event: 'run.end',
    status: level === 'P4' ? 'resolved' : 'firing',
    severity: level,
    outcome: s.outcome,
    title: `${ctx.experiment}: ${verdictWord(s)}`,
    reasons: s.severity.reasons.map((r) => r.text),
    at: endedAt,
    alerts,
  });
}

/**
 * Everything a finished run has to say, in the order it happened: its guard trips, its
 * leftovers, then its end. Sent live already, the first two keep their ids and are not sent twice.
 */
export function notificationsForRun(run: LoadedRun): Notification[] {
  const start = run.events.find((e): e is RunStartEvent => e.type === 'run.start');
  if (!start) return [];
  const ctx = runContext(start);
  const out: Notification[] = [];
  for (const e of run.events) {
    if (e.type === 'guard.tripped') out.push(guardTripNotification(ctx, e));
    if (e.type === 'fault.revert_failed') out.push(leftoverNotification(ctx, e));
  }
  const end = runEndNotification(run);
  if (end) out.push(end);
  return out;
}
