/**
 * Schedule math under fake timers (vi.useFakeTimers moves Date.now and setTimeout together):
 * cron in a timezone, the DST changes, blackouts, missed runs after downtime, concurrency and
 * the budget precondition. Decisions are recorded in and read back from a real history file
 * (SQLite); runs are started by a stand-in that the test ends, since what a run does is not
 * the scheduler's business (the real run path is schedule-run.e2e.test.ts's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syntheticRun } from '../../bench/history-synthetic.js';
import { openRunHistory, type RunHistory } from '../history/history.js';
import { openHistory } from '../history/store.js';
import { recordEnd, recordStart } from '../history/write.js';
import { readYamlSource } from '../spec/yaml-source.js';
import { type LoadedSchedule, scheduleFromSource } from './load.js';
import { nextFires } from './next-fires.js';
import { createScheduler, type Scheduler } from './scheduler.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
let dir: string;
let history: RunHistory;
let scheduler: Scheduler | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-schedule-'));
  history = openRunHistory(join(dir, 'history.db'));
});
afterEach(() => {
  scheduler?.stop();
  scheduler = undefined;
  vi.useRealTimers();
  history.close();
  rmSync(dir, { recursive: true, force: true });
});

const TARGET = {
  kind: 'Experiment' as const,
  name: 'exp',
  experiments: [{ name: 'exp', slos: ['available', 'fast'] }],
};

async function load(fields: string, name = 'nightly'): Promise<LoadedSchedule> {
  const text = `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: ${name} }\nrun: { file: exp.yaml }\n${fields}\n`;
  return scheduleFromSource(readYamlSource(text, 'nightly.yaml'), join(dir, 'nightly.yaml'), {
    label: 'nightly.yaml',
    checkTarget: async () => TARGET,
  });
}

/** A stand-in run starter: each run lasts until the test ends it, or `lastsMs` of fake time. */
function runs(lastsMs?: number) {
  const started: { plannedAt: string; startedAt: string; end: () => void }[] = [];
  return {
    started,
    startRun: async (_s: LoadedSchedule, plannedAtMs: number) => {
      let end!: () => void;
      const done = new Promise<void>((r) => {
        end = r;
      });
      if (lastsMs !== undefined) setTimeout(() => end(), lastsMs);
      started.push({
        plannedAt: new Date(plannedAtMs).toISOString(),
        startedAt: new Date().toISOString(),
        end,
      });
      return { runId: `run-${started.length}`, done };
    },
  };
}

async function startAt(iso: string, loaded: LoadedSchedule[], starter = runs(0)) {
  vi.useFakeTimers({ now: Date.parse(iso), toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  scheduler = createScheduler({ schedules: loaded, startRun: starter.startRun, history });
  await scheduler.start();
  return starter;
}

const decisions = (decision?: 'fired' | 'skipped' | 'missed') =>
  history
    .scheduleEvents({ decision, limit: 1000 })
    .reverse()
    .map((e) => ({ planned: e.plannedAt, decision: e.decision, reason: e.reason }));
const planned = (decision: 'fired' | 'skipped' | 'missed') => decisions(decision).map((d) => d.planned);

describe('cron in a timezone', () => {
  it('fires at 10:00 Berlin time on weekdays, an hour earlier in UTC once summer time starts', async () => {
    const s = await load(`cron: '0 10 * * 1-5'\ntimezone: Europe/Berlin`);
    // Monday 2026-03-23; summer time starts on Sunday 2026-03-29.
    await startAt('2026-03-23T00:00:00Z', [s]);
    await vi.advanceTimersByTimeAsync(8 * 24 * HOUR);
    expect(planned('fired')).toEqual([
      '2026-03-23T09:00:00.000Z',
      '2026-03-24T09:00:00.000Z',
      '2026-03-25T09:00:00.000Z',
      '2026-03-26T09:00:00.000Z',
      '2026-03-27T09:00:00.000Z',
      '2026-03-30T08:00:00.000Z',
    ]);
    // Each fired on time: the runs' decisions were made at their planned instants.
    const fired = history.scheduleEvents({ decision: 'fired' });
    for (const e of fired) expect(e.decidedAt).toBe(e.plannedAt);
    expect(fired.map((e) => e.runId)).toEqual(['run-6', 'run-5', 'run-4', 'run-3', 'run-2', 'run-1']);
  });

  it('a 02:30 that the spring change skips fires at 03:00; the autumn change repeats 02:30 and it fires once', async () => {
    const s = await load(`cron: '30 2 * * *'\ntimezone: Europe/Berlin`);
    await startAt('2026-03-28T00:00:00Z', [s]);
    await vi.advanceTimersByTimeAsync(3 * 24 * HOUR);
    expect(planned('fired')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // Autumn: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET); one run.
    expect(
      nextFires(s, Date.parse('2026-10-24T12:00:00Z'), 3).map((f) => new Date(f.atMs).toISOString()),
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z', '2026-10-27T01:30:00.000Z']);
  });

  it('takes a seconds field (6 fields)', async () => {
    const s = await load(`cron: '*/20 * * * * *'`);
    await startAt('2026-05-01T12:00:05Z', [s]);
    await vi.advanceTimersByTimeAsync(MIN);
    expect(planned('fired')).toEqual([
      '2026-05-01T12:00:20.000Z',
      '2026-05-01T12:00:40.000Z',
      '2026-05-01T12:01:00.000Z',
    ]);
  });
});

describe('blackouts', () => {
  it('skips hourly runs in a weekly window past midnight and a date-range freeze, recording why', async () => {
    const s = await load(`cron: '0 * * * *'
timezone: Europe/Berlin
blackouts:
  - { name: weekend, days: [fri], from: '22:00', to: '01:59' }
  - { name: freeze, from: '2026-06-06', to: '2026-06-06T03:30', timezone: UTC }`);
    // Friday 2026-06-05, 21:00 Berlin (CEST, UTC+2) is 19:00Z.
    await startAt('2026-06-05T18:30:00Z', [s]);
    await vi.advanceTimersByTimeAsync(6 * HOUR);
    expect(decisions()).toEqual([
      { planned: '2026-06-05T19:00:00.000Z', decision: 'fired', reason: null }, // 21:00
      {
        planned: '2026-06-05T20:00:00.000Z',
        decision: 'skipped',
        reason: "blackout 'weekend' (fri 22:00–01:59 Europe/Berlin)",
      },
      {
        planned: '2026-06-05T21:00:00.000Z',
        decision: 'skipped',
        reason: "blackout 'weekend' (fri 22:00–01:59 Europe/Berlin)",
      },
      {
        planned: '2026-06-05T22:00:00.000Z',
        decision: 'skipped',
        reason: "blackout 'weekend' (fri 22:00–01:59 Europe/Berlin)",
      }, // 00:00 Sat
      {
        planned: '2026-06-05T23:00:00.000Z',
        decision: 'skipped',
        reason: "blackout 'weekend' (fri 22:00–01:59 Europe/Berlin)",
      }, // 01:00 Sat
      // 02:00 Berlin is 00:00Z on the 6th: out of the weekly window, into the UTC freeze.
      {
        planned: '2026-06-06T00:00:00.000Z',
        decision: 'skipped',
        reason: "blackout 'freeze' (2026-06-06 – 2026-06-06T03:30 UTC)",
      },
    ]);
    // The freeze ends at 03:30Z inclusive; 04:00Z (06:00 Berlin) fires.
    expect(nextFires(s, Date.parse('2026-06-06T00:00:00Z'), 1)[0]!.atMs).toBe(
      Date.parse('2026-06-06T04:00:00Z'),
    );
  });
});

describe('missed while the scheduler was down', () => {
  /** A schedule that fired at 10:00Z, then the server was down until `back`. */
  async function downUntil(back: string) {
    const s = await load(`cron: '0 * * * *'\nstartingDeadline: 5m`);
    const t0 = Date.parse('2026-07-01T10:00:00Z');
    history.recordScheduleEvent({
      schedule: s.name,
      plannedAtMs: t0,
      decidedAtMs: t0,
      decision: 'fired',
      reason: null,
      runId: 'before',
    });
    return startAt(back, [s]);
  }

  it('runs the newest missed time late when within startingDeadline; the older one is missed', async () => {
    const starter = await downUntil('2026-07-01T12:03:00Z');
    await vi.advanceTimersByTimeAsync(1); // the late run starts, and its stand-in ends
    await scheduler!.idle();
    expect(decisions().slice(1)).toEqual([
      {
        planned: '2026-07-01T11:00:00.000Z',
        decision: 'missed',
        reason:
          'not started at 2026-07-01 11:00:00 UTC: the scheduler was not running, and a later planned time came first',
      },
      { planned: '2026-07-01T12:00:00.000Z', decision: 'fired', reason: null },
    ]);
    expect(starter.started[0]).toMatchObject({
      plannedAt: '2026-07-01T12:00:00.000Z',
      startedAt: '2026-07-01T12:03:00.000Z',
    });
  });

  it('records a time missed by more than startingDeadline as missed and does not run it late', async () => {
    const starter = await downUntil('2026-07-01T12:10:00Z');
    expect(decisions('missed').map((d) => d.planned)).toEqual([
      '2026-07-01T11:00:00.000Z',
      '2026-07-01T12:00:00.000Z',
    ]);
    expect(decisions('missed')[1]!.reason).toBe(
      'not started at 2026-07-01 12:00:00 UTC: the scheduler was not running; 10m late is past the startingDeadline 5m',
    );
    expect(starter.started).toEqual([]);
    // The next planned time fires as usual.
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(planned('fired')).toEqual(['2026-07-01T10:00:00.000Z', '2026-07-01T13:00:00.000Z']);
  });

  it('a schedule never seen before starts from now: nothing is missed', async () => {
    const s = await load(`cron: '0 * * * *'`);
    await startAt('2026-07-01T12:10:00Z', [s]);
    expect(decisions()).toEqual([]);
  });
});

describe('concurrency', () => {
  it('forbid: a run still going makes the next planned time a recorded skip', async () => {
    const s = await load(`cron: '0 * * * *'\nconcurrency: forbid`);
    await startAt('2026-08-03T09:30:00Z', [s], runs(90 * MIN));
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(decisions()).toEqual([
      { planned: '2026-08-03T10:00:00.000Z', decision: 'fired', reason: null },
      {
        planned: '2026-08-03T11:00:00.000Z',
        decision: 'skipped',
        reason: 'concurrency: forbid, and the run of 2026-08-03 10:00:00 UTC (run-1) is still going',
      },
      { planned: '2026-08-03T12:00:00.000Z', decision: 'fired', reason: null },
    ]);
  });

  it('queue: starts the waiting time when the run ends; one waits at most', async () => {
    const s = await load(`cron: '0 * * * *'\nconcurrency: queue`);
    const starter = await startAt('2026-08-03T09:30:00Z', [s], runs(150 * MIN));
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(starter.started.map((r) => [r.plannedAt, r.startedAt])).toEqual([
      ['2026-08-03T10:00:00.000Z', '2026-08-03T10:00:00.000Z'],
      ['2026-08-03T11:00:00.000Z', '2026-08-03T12:30:00.000Z'], // queued, started when run-1 ended
    ]);
    expect(decisions('skipped')).toEqual([
      {
        planned: '2026-08-03T12:00:00.000Z',
        decision: 'skipped',
        reason:
          'concurrency: queue, and the run of 2026-08-03 11:00:00 UTC is already waiting (one waits at most)',
      },
    ]);
    expect(scheduler!.status()[0]).toMatchObject({ running: true, activeRunId: 'run-2', queuedFor: null });
  });
});

describe('budget precondition', () => {
  it("skips while an SLO's budget across the history is spent beyond the limit, fires on one that is not", async () => {
    // Two runs of exp in the last days: 'fast' breached (25 bad of 300, 3 allowed: 833% of its
    // budget), 'available' clean (0%). syntheticRun: bench/history-synthetic.ts.
    const store = openHistory(history.path);
    for (const id of ['a', 'b']) {
      const { start, end } = syntheticRun({
        id,
        experiment: 'exp',
        startedAtMs: Date.parse('2026-09-01T00:00:00Z'),
        breached: true,
        events: 300,
      });
      recordStart(store.db, start);
      recordEnd(store.db, start, end);
    }
    store.close();
    const spent = await load(
      `cron: '0 12 * * *'\npreconditions: { budgets: [{ slo: fast, maxConsumed: 80% }] }`,
      'spent',
    );
    const clean = await load(
      `cron: '0 12 * * *'\npreconditions: { budgets: [{ slo: available, maxConsumed: 80%, days: 7 }] }`,
      'clean',
    );
    await startAt('2026-09-02T11:00:00Z', [spent, clean]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    await scheduler!.idle();
    const events = history.scheduleEvents();
    expect(events.find((e) => e.schedule === 'clean')).toMatchObject({ decision: 'fired' });
    expect(events.find((e) => e.schedule === 'spent')).toMatchObject({
      decision: 'skipped',
      reason:
        'budget: SLO fast of exp has consumed 833% of its error budget over 30 days (2 runs), over the limit 80%',
    });
  });
});

describe('upcoming', () => {
  it('lists the next planned times of every schedule in order, blacked-out ones marked', async () => {
    const a = await load(
      `cron: '0 10 * * *'\nblackouts: [{ name: monday, days: [mon], from: '00:00', to: '23:59' }]`,
      'a',
    );
    const b = await load(`cron: '0 11 * * *'`, 'b');
    await startAt('2026-08-02T00:00:00Z', [a, b]); // a Sunday
    expect(
      scheduler!.upcoming(4).map((u) => [u.schedule, new Date(u.atMs).toISOString(), u.blackout ?? null]),
    ).toEqual([
      ['a', '2026-08-02T10:00:00.000Z', null],
      ['b', '2026-08-02T11:00:00.000Z', null],
      ['a', '2026-08-03T10:00:00.000Z', "blackout 'monday' (mon 00:00–23:59 UTC)"],
      ['b', '2026-08-03T11:00:00.000Z', null],
    ]);
  });
});
