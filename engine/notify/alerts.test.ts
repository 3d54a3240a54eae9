/**
 * The alert model and the router, from journals: a run's severity (a failed rollback always
 * P1; an SLO's own severity; guards; runs with no verdict), the alerts each ending raises or
 * resolves with stable labels and ids, and where routes send them. Journals are small and
 * written here event by event (the shapes the runner writes, engine/core/journal-events.ts),
 * plus the recorded runs of reports/fixtures. Needs: nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSummary } from '../../reports/summary.js';
import { type LoadedRun, loadRun } from '../../reports/write.js';
import type { JournalEvent, SloResult } from '../core/journal-events.js';
import { type Notification, notificationsForRun } from './alerts.js';
import { type Route, routeNotification } from './router.js';

const FIXTURES = join(import.meta.dirname, '../../reports/fixtures');

interface SloCase {
  name: string;
  status: SloResult['status'];
  severity?: string;
  expect?: 'met' | 'breached';
}

function run(opts: {
  runId?: string;
  slos: SloCase[];
  guards?: { name?: string; when?: string; burnRate?: { slo: string } }[];
  events?: Record<string, unknown>[];
  outcome: string;
  verdict?: boolean;
}): LoadedRun {
  const t0 = Date.UTC(2026, 0, 5, 3, 0, 0);
  const events: Record<string, unknown>[] = [
    {
      type: 'run.start',
      runId: opts.runId ?? 'run-1',
      experiment: 'demo',
      file: 'demo.yaml',
      spec: {
        metadata: { name: 'demo', runbook: 'runbooks/demo.md' },
        slos: opts.slos.map((s) => ({ name: s.name, severity: s.severity, expect: s.expect })),
        guards: opts.guards ?? [],
      },
      squallVersion: '0.1.0',
      node: 'v20',
      host: 'test',
      plan: { preflightMs: 0, baselineMs: 1000, faultMs: 1000, recoveryMs: 1000 },
    },
    ...(opts.events ?? []),
  ];
  if (opts.verdict !== false)
    events.push({
      type: 'verdict',
      hypothesis: opts.slos.every((s) => s.status === (s.expect ?? 'met')) ? 'holds' : 'rejected',
      exitCode: 0,
      resilienceScore: 90,
      slos: opts.slos.map((s) => ({
        name: s.name,
        sli: 'latency_p99',
        source: 'api',
        objective: '<= 500ms',
        window: 'run',
        budgeting: 'occurrences',
        status: s.status,
        value: s.status === 'nodata' ? null : s.status === 'met' ? 120 : 900,
        unit: 'ms',
        compliance: 1,
        budgetConsumed: null,
        weight: 1,
        ...(s.expect ? { expect: s.expect } : {}),
        windows: [],
      })),
    });
  events.push({ type: 'run.end', exitCode: 0, outcome: opts.outcome });
  const stamped = events.map((e, seq) => ({ seq, t: t0 + seq * 1000, ...e }) as unknown as JournalEvent);
  return { events: stamped, defects: [], summary: buildSummary(stamped) };
}

const leftover = {
  type: 'fault.revert_failed',
  attempts: 3,
  leftover: {
    faultId: 'f-1',
    kind: 'process.pause',
    where: 'local agent, pid 4242',
    removeCommand: 'kill -CONT 4242',
    error: 'EPERM',
  },
};

const byName = (ns: Notification[], event: string) => ns.find((n) => n.event === event)!;
const labels = (n: Notification): Record<string, string>[] =>
  n.alerts.map((a) => ({ status: a.status, ...a.labels }));

describe("a run's severity", () => {
  it('a failed rollback is P1 whatever the SLOs said, and its leftover is its own P1 alert', () => {
    const r = run({
      slos: [{ name: 'fast', status: 'met' }],
      events: [leftover],
      outcome: 'rollback_failed',
    });
    expect(r.summary.severity).toMatchObject({ level: 'P1', name: 'critical' });
    expect(r.summary.severity.reasons[0]).toMatchObject({ level: 'P1', kind: 'leftover' });
    const n = byName(notificationsForRun(r), 'fault.leftover');
    expect(n).toMatchObject({ severity: 'P1', status: 'firing' });
    expect(labels(n)).toEqual([
      {
        status: 'firing',
        alertname: 'SquallFaultLeftover',
        experiment: 'demo',
        fault: 'f-1',
        severity: 'P1',
      },
    ]);
    expect(n.alerts[0]!.annotations.remove_command).toBe('kill -CONT 4242');
    expect(byName(notificationsForRun(r), 'run.end').severity).toBe('P1');
  });

  it("a breach takes the SLO's own severity (P3 without one); the worst one wins", () => {
    const r = run({
      slos: [
        { name: 'fast', status: 'breached', severity: 'P2' },
        { name: 'available', status: 'breached' },
        { name: 'fresh', status: 'met', severity: 'P1' },
      ],
      outcome: 'slo_breached',
    });
    expect(r.summary.severity.level).toBe('P2');
    expect(r.summary.severity.reasons.map((x) => [x.level, x.subject])).toEqual([
      ['P2', 'fast'],
      ['P3', 'available'],
    ]);
  });

  it('a guard takes the severity of the SLO whose burn rate it watches, else P2', () => {
    const guards = [{ name: 'burn', burnRate: { slo: 'fast' } }, { when: 'success_ratio < 50%' }];
    const trip = (guard: string) => ({ type: 'guard.tripped', guard, reason: 'too much' });
    const burn = run({
      slos: [{ name: 'fast', status: 'breached', severity: 'P1' }],
      guards,
      events: [trip('burn')],
      outcome: 'aborted',
    });
    expect(byName(notificationsForRun(burn), 'guard.tripped')).toMatchObject({ severity: 'P1' });
    const threshold = run({ slos: [], guards, events: [trip('success_ratio < 50%')], outcome: 'aborted' });
    expect(threshold.summary.severity.level).toBe('P2');
    expect(labels(byName(notificationsForRun(threshold), 'guard.tripped'))).toEqual([
      {
        status: 'firing',
        alertname: 'SquallGuardTripped',
        experiment: 'demo',
        guard: 'success_ratio < 50%',
        severity: 'P2',
      },
    ]);
  });

  it('no trustworthy verdict is P3 (SquallRunFailed fires); an operator stop is P4 and says nothing', () => {
    const preflight = run({
      slos: [{ name: 'fast', status: 'met' }],
      events: [{ type: 'abort', reason: 'preflight', detail: 'fast: no data' }],
      outcome: 'aborted',
      verdict: false,
    });
    expect(preflight.summary.severity.level).toBe('P3');
    expect(labels(byName(notificationsForRun(preflight), 'run.end'))).toEqual([
      { status: 'firing', alertname: 'SquallRunFailed', experiment: 'demo', severity: 'P3' },
    ]);
    const control = run({
      slos: [{ name: 'loses', status: 'met', expect: 'breached' }],
      outcome: 'slo_breached',
    });
    expect(control.summary.severity.reasons[0]).toMatchObject({ level: 'P3', kind: 'no_verdict' });
    const stopped = run({
      slos: [],
      events: [{ type: 'abort', reason: 'signal', detail: 'aborted by the operator' }],
      outcome: 'aborted',
      verdict: false,
    });
    expect(stopped.summary.severity.level).toBe('P4');
    expect(byName(notificationsForRun(stopped), 'run.end')).toMatchObject({ status: 'resolved', alerts: [] });
  });
});

describe('alerts of a run end', () => {
  it('fire for breached SLOs and resolve met ones, the run alert and guards that held; labels are stable', () => {
    const guards = [{ name: 'api-down', when: 'success_ratio < 50%' }];
    const breached = run({
      slos: [
        { name: 'fast', status: 'breached', severity: 'P2' },
        { name: 'available', status: 'met' },
        { name: 'loses', status: 'breached', expect: 'breached' },
      ],
      guards,
      outcome: 'slo_breached',
    });
    const end = byName(notificationsForRun(breached), 'run.end');
    expect(end).toMatchObject({
      status: 'firing',
      severity: 'P2',
      outcome: 'slo_breached',
      runbook: 'runbooks/demo.md',
    });
    expect(end.title).toBe('demo: FAILED');
    // The negative control that breached as expected raises nothing.
    expect(labels(end)).toEqual([
      { status: 'firing', alertname: 'SquallSloBreached', experiment: 'demo', slo: 'fast', severity: 'P2' },
      {
        status: 'resolved',
        alertname: 'SquallSloBreached',
        experiment: 'demo',
        slo: 'available',
        severity: 'P3',
      },
      { status: 'resolved', alertname: 'SquallRunFailed', experiment: 'demo', severity: 'P3' },
      {
        status: 'resolved',
        alertname: 'SquallGuardTripped',
        experiment: 'demo',
        guard: 'api-down',
        severity: 'P2',
      },
    ]);
    const fast = end.alerts[0]!;
    expect(fast.endsAt).toBeNull();
    expect(fast.annotations.description).toBe(
      "'fast' breached: latency_p99 900 ms > 500 ms during the run window",
    );
    expect(end.alerts[1]!.endsAt).toBe(breached.summary.endedAt);

    // A later run meeting it resolves the same label set, under a new id.
    const passed = run({
      runId: 'run-2',
      slos: [{ name: 'fast', status: 'met', severity: 'P2' }],
      guards,
      outcome: 'passed',
    });
    const later = byName(notificationsForRun(passed), 'run.end');
    expect(later).toMatchObject({ status: 'resolved', severity: 'P4' });
    expect(later.alerts[0]!.labels).toEqual(fast.labels);
    expect(later.id).not.toBe(end.id);
    expect(notificationsForRun(breached).map((n) => n.id)).toEqual(
      notificationsForRun(breached).map((n) => n.id),
    );
  });

  it('recorded runs: the breach fires its SLO, the passing run resolves it', () => {
    const breach = byName(
      notificationsForRun(loadRun(join(FIXTURES, 'demo-breach/journal.jsonl'))),
      'run.end',
    );
    const pass = byName(notificationsForRun(loadRun(join(FIXTURES, 'demo-pass/journal.jsonl'))), 'run.end');
    const firing = breach.alerts.filter((a) => a.status === 'firing').map((a) => a.labels);
    expect(firing).toEqual([
      { alertname: 'SquallSloBreached', experiment: 'demo-latency', slo: 'fast-enough', severity: 'P3' },
    ]);
    const resolvedByPass = pass.alerts.filter((a) => a.status === 'resolved').map((a) => a.labels);
    expect(resolvedByPass).toContainEqual(firing[0]);
  });
});

describe('routes by severity', () => {
  const routes: Route[] = [
    { severities: ['P1'], receivers: ['pager', 'chat'] },
    { severities: ['P2'], receivers: ['chat', 'tickets'] },
    { severities: ['P3'], receivers: ['chat'] },
  ];
  const receivers = new Map([
    ['pager', { sendResolved: true }],
    ['chat', { sendResolved: false }],
    ['tickets', { sendResolved: false }],
  ]);
  const route = (n: Notification) =>
    Object.fromEntries(
      routeNotification(n, routes, receivers).map((r) => [r.receiver, labels(r.notification)]),
    );

  it('P1 pages and posts; P3 posts only; P4 reaches no one', () => {
    const p1 = run({ slos: [], events: [leftover], outcome: 'rollback_failed' });
    expect(Object.keys(route(byName(notificationsForRun(p1), 'fault.leftover')))).toEqual(['pager', 'chat']);
    const p3 = run({ slos: [{ name: 'fast', status: 'breached' }], outcome: 'slo_breached' });
    expect(route(byName(notificationsForRun(p3), 'run.end'))).toEqual({
      chat: [
        { status: 'firing', alertname: 'SquallSloBreached', experiment: 'demo', slo: 'fast', severity: 'P3' },
      ],
    });
    const p4 = run({ slos: [{ name: 'fast', status: 'met' }], outcome: 'passed' });
    expect(route(byName(notificationsForRun(p4), 'run.end'))).toEqual({});
  });

  it('a resolved alert goes where it fired, to receivers that take resolved alerts', () => {
    const r = run({
      slos: [
        { name: 'fast', status: 'breached' },
        { name: 'fresh', status: 'met', severity: 'P1' },
      ],
      outcome: 'slo_breached',
    });
    const routed = routeNotification(byName(notificationsForRun(r), 'run.end'), routes, receivers);
    expect(
      routed.map((x) => [x.receiver, x.notification.status, labels(x.notification).map((l) => l.slo)]),
    ).toEqual([
      ['chat', 'firing', ['fast']],
      ['pager', 'resolved', ['fresh']],
    ]);
  });

  it('a route for some experiments only', () => {
    const n = byName(
      notificationsForRun(run({ slos: [{ name: 'a', status: 'breached' }], outcome: 'slo_breached' })),
      'run.end',
    );
    const only = (experiments: string[]) =>
      routeNotification(n, [{ severities: ['P3'], experiments, receivers: ['chat'] }], receivers).length;
    expect(only(['demo'])).toBe(1);
    expect(only(['other'])).toBe(0);
  });
});
