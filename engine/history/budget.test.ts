/**
 * The error budget across runs and the regression flag, on rows written to a real SQLite file.
 * Each case's expected numbers are worked out in its comment from the counts it writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/history-synthetic.js';
import { sloBudgets } from './budget.js';
import { type HistoryStore, openHistory } from './store.js';
import { experimentTrend } from './trend.js';
import type { SloRow } from './types.js';
import { recordEnd } from './write.js';

const DAY_MS = 86_400_000;
const NOW = Date.parse('2026-12-04T12:00:00Z');
let dir: string;
let store: HistoryStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-history-budget-'));
  store = openHistory(join(dir, 'history.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  good: number;
  total: number;
  status: SloRow['status'];
  expect?: SloRow['expect'];
  /** 1 − target; null: no event budget. */
  allowedRate?: number | null;
}

/** A finished run of `exp` with one SLO 'avail' judged in its run window. */
function run(id: string, daysAgo: number, r: Result, exp = 'exp') {
  const { start, end } = syntheticRun({
    id,
    experiment: exp,
    startedAtMs: NOW - daysAgo * DAY_MS,
    breached: false,
    events: 9,
  });
  const rate = r.allowedRate === undefined ? 0.01 : r.allowedRate;
  const allowedBad = rate === null ? null : rate * r.total;
  const bad = r.total - r.good;
  const slo: SloRow = {
    slo: 'avail',
    window: 'run',
    ownWindow: true,
    position: 0,
    sli: 'success_ratio',
    objective: '>= 99%',
    unit: 'ratio',
    expect: r.expect ?? 'met',
    status: r.status,
    value: r.total > 0 ? r.good / r.total : null,
    good: r.good,
    total: r.total,
    budgetConsumed: allowedBad ? bad / allowedBad : null,
    burnRate: null,
    allowedBad,
  };
  // A window other than the own one must not count.
  const fault: SloRow = { ...slo, window: 'fault', ownWindow: false, good: 0, total: 1_000_000 };
  recordEnd(store.db, start, { ...end, slos: [slo, fault] });
}

const budgetOf = (exp = 'exp', days = 30) => sloBudgets(store.db, exp, { days, nowMs: NOW }).slos;

describe('sloBudgets', () => {
  it('sums bad and allowed events over the runs, never averaging their ratios', () => {
    // A: 10 bad of 1000, allowed 10 → 100%. B: 1 bad of 10, allowed 0.1 → 1000%.
    // Together: 11 bad / 10.1 allowed = 108.9%; the average of the two ratios would be 550%.
    run('a', 2, { good: 990, total: 1000, status: 'met' });
    run('b', 1, { good: 9, total: 10, status: 'breached' });
    const [avail] = budgetOf();
    expect(avail).toMatchObject({
      slo: 'avail',
      runs: 2,
      met: 1,
      breached: 1,
      bad: 11,
      total: 1010,
      budgetedRuns: 2,
    });
    expect(avail!.allowedBad).toBeCloseTo(10.1, 9);
    expect(avail!.budgetConsumed).toBeCloseTo(11 / 10.1, 9);
    expect(avail!.regressed).toBe(true);
    expect(avail!.latest.runId).toBe('b');
    expect(avail!.previous!.runId).toBe('a');
    expect(avail!.budgetDelta).toBeCloseTo(10 - 1, 9);
  });

  it('counts only the period, but compares the newest run with the one before it, wherever it is', () => {
    // 'old' (40 days ago) is outside the 30-day period: not summed; still the previous run.
    run('old', 40, { good: 90, total: 100, status: 'breached' });
    run('new', 1, { good: 100, total: 100, status: 'met' });
    const [avail] = budgetOf();
    expect(avail).toMatchObject({ runs: 1, met: 1, bad: 0, total: 100, budgetConsumed: 0, regressed: false });
    expect(avail!.previous!.runId).toBe('old');
    expect(budgetOf('exp', 60)[0]).toMatchObject({ runs: 2, bad: 10, total: 200 });
    expect(budgetOf('other')).toEqual([]);
  });

  it('a regression is the newest run missing what the one before got: negative controls and no data', () => {
    // Negative control: breached is as expected, so breached → met is the regression.
    run('n1', 3, { good: 50, total: 100, status: 'breached', expect: 'breached' }, 'neg');
    run('n2', 2, { good: 50, total: 100, status: 'breached', expect: 'breached' }, 'neg');
    expect(budgetOf('neg')[0]).toMatchObject({ asExpected: 2, met: 0, regressed: false });
    run('n3', 1, { good: 100, total: 100, status: 'met', expect: 'breached' }, 'neg');
    expect(budgetOf('neg')[0]).toMatchObject({ asExpected: 2, met: 1, regressed: true });
    // No data is never as expected.
    run('d1', 2, { good: 100, total: 100, status: 'met' }, 'data');
    run('d2', 1, { good: 0, total: 0, status: 'nodata' }, 'data');
    expect(budgetOf('data')[0]).toMatchObject({ nodata: 1, regressed: true });
    // Breached twice: no change, no regression.
    run('b1', 2, { good: 1, total: 10, status: 'breached' }, 'bad');
    run('b2', 1, { good: 1, total: 10, status: 'breached' }, 'bad');
    expect(budgetOf('bad')[0]).toMatchObject({ regressed: false, budgetDelta: 0 });
  });

  it('an SLO without an event budget has runs and verdicts but no budget; a zero budget spent is capped', () => {
    run('m1', 2, { good: 1, total: 1, status: 'met', allowedRate: null }, 'single');
    expect(budgetOf('single')[0]).toMatchObject({
      runs: 1,
      met: 1,
      budgetedRuns: 0,
      budgetConsumed: null,
      allowedBad: null,
    });
    // `== 0` allows nothing: one bad event is an infinite share, reported at the cap as reports do.
    run('z1', 1, { good: 99, total: 100, status: 'breached', allowedRate: 0 }, 'zero');
    expect(budgetOf('zero')[0]).toMatchObject({ bad: 1, allowedBad: 0, budgetConsumed: 1000 });
  });
});

describe('experimentTrend', () => {
  it('lists the runs oldest first with each SLO, the newest N, and the budget of the period', () => {
    for (let i = 0; i < 5; i++)
      run(`r${i}`, 5 - i, { good: 100 - i, total: 100, status: i < 2 ? 'met' : 'breached' });
    const trend = experimentTrend(store.db, 'exp', { limit: 3, nowMs: NOW });
    expect(trend.runs.map((r) => r.runId)).toEqual(['r2', 'r3', 'r4']);
    expect(trend.runs.map((r) => r.slos.map((s) => [s.name, s.status, s.value]))).toEqual([
      [['avail', 'breached', 0.98]],
      [['avail', 'breached', 0.97]],
      [['avail', 'breached', 0.96]],
    ]);
    expect(trend.sloNames).toEqual(['avail']);
    // The budget covers the period (30 days: all five runs), not just the rows shown.
    expect(trend.budget.slos[0]).toMatchObject({ runs: 5, bad: 0 + 1 + 2 + 3 + 4, total: 500 });
    expect(experimentTrend(store.db, 'exp', { days: 2, nowMs: NOW }).runs.map((r) => r.runId)).toEqual([
      'r3',
      'r4',
    ]);
  });
});
