import { describe, expect, it } from 'vitest';
import { REPORTED_RATIO_CAP } from './budget.js';
import { resolveSli } from './catalog.js';
import {
  compliance,
  currentValue,
  evaluateWindows,
  occurrencesTarget,
  timeslicesTarget,
} from './evaluate.js';
import { repeat, type SliceSpec, series, sloSpec } from './test-support/slices.js';
import { type PhaseBoundaries, WINDOW_NAMES } from './windows.js';

/** baseline 0–10 s, fault 10–20 s, recovery 20–30 s. */
const PHASES: PhaseBoundaries = {
  run: [0, 30_000],
  baseline: [0, 10_000],
  fault: [10_000, 20_000],
  recovery: [20_000, 30_000],
};

const delivered = (delivered: number, expected: number): SliceSpec => ({
  counters: { 'fleet.delivered': delivered, 'fleet.expected': expected },
});
const byWindow = <T extends { window: string }>(rows: T[]) =>
  Object.fromEntries(rows.map((r) => [r.window, r]));

describe('occurrences vs timeslices on the same data', () => {
  it('a heavy bad slice breaches occurrences but is one slice of ten for timeslices', () => {
    const slices = series([...repeat(9, delivered(100, 100)), delivered(0, 9100)]);
    const phases: PhaseBoundaries = { ...PHASES, run: [0, 10_000] };
    const occ = evaluateWindows(sloSpec({ sli: 'delivery_ratio', objective: '>= 90%' }), slices, phases, [
      'run',
    ]);
    expect(occ.own).toMatchObject({ status: 'breached', value: 0.09, good: 900, total: 10_000 });
    const ts = evaluateWindows(
      sloSpec({
        sli: 'delivery_ratio',
        objective: '>= 90%',
        budgeting: 'timeslices',
        sliceObjective: '>= 99%',
      }),
      slices,
      phases,
      ['run'],
    );
    expect(ts.own).toMatchObject({ status: 'met', value: 0.9, good: 9, total: 10 });
  });

  it('two slightly bad light slices breach timeslices but not occurrences', () => {
    const slices = series([...repeat(8, delivered(1000, 1000)), ...repeat(2, delivered(98, 100))]);
    const phases: PhaseBoundaries = { ...PHASES, run: [0, 10_000] };
    const occ = evaluateWindows(sloSpec({ sli: 'delivery_ratio', objective: '>= 99.9%' }), slices, phases, [
      'run',
    ]);
    expect(occ.own.status).toBe('met'); // 8196 / 8200 = 99.95 %
    expect(occ.own.value).toBeCloseTo(8196 / 8200, 12);
    const ts = evaluateWindows(
      sloSpec({ sli: 'delivery_ratio', objective: '>= 99.9%', budgeting: 'timeslices' }),
      slices,
      phases,
      ['run'],
    );
    expect(ts.own).toMatchObject({ status: 'breached', value: 0.8, good: 8, total: 10 });
    // The budget is slices: (1 − 0.999) × 10 = 0.01 bad slices allowed, 2 spent → 200×.
    expect(ts.results[0]!.budgetConsumed).toBeCloseTo(200, 6);
  });

  it('timeslices skip slices without data', () => {
    const slices = series([delivered(10, 10), delivered(0, 0), {}, delivered(5, 10)]);
    const ts = evaluateWindows(
      sloSpec({
        sli: 'delivery_ratio',
        objective: '>= 50%',
        budgeting: 'timeslices',
        sliceObjective: '>= 99%',
      }),
      slices,
      PHASES,
      ['run'],
    );
    expect(ts.own).toMatchObject({ status: 'met', value: 0.5, good: 1, total: 2 });
  });
});

describe('budget consumed and burn rate per window', () => {
  // 1000 expected per second; the fault window loses 20 per second.
  const slices = series([
    ...repeat(10, delivered(1000, 1000)),
    ...repeat(10, delivered(980, 1000)),
    ...repeat(10, delivered(1000, 1000)),
  ]);

  it('sizes the budget by the SLO window and spends it where the bad events are', () => {
    const { own, results } = evaluateWindows(
      sloSpec({ sli: 'delivery_ratio', objective: '>= 99%' }),
      slices,
      PHASES,
      WINDOW_NAMES,
    );
    expect(own).toMatchObject({ status: 'met', good: 29_800, total: 30_000 });
    const w = byWindow(results);
    // Allowed bad = 1 % of 30 000 = 300; 200 spent, all in the fault window.
    expect(w.run!.budgetConsumed).toBeCloseTo(2 / 3, 9);
    expect(w.run!.burnRate).toBeCloseTo(2 / 3, 9); // (200 / 30 000) / 0.01
    expect(w.fault).toMatchObject({ status: 'breached', value: 0.98, good: 9800, total: 10_000 });
    expect(w.fault!.budgetConsumed).toBeCloseTo(2 / 3, 9);
    expect(w.fault!.burnRate).toBeCloseTo(2, 9); // (200 / 10 000) / 0.01
    expect(w.baseline).toMatchObject({ status: 'met', value: 1, budgetConsumed: 0, burnRate: 0 });
    expect(w.recovery).toMatchObject({ status: 'met', budgetConsumed: 0, burnRate: 0 });
  });

  it('a baseline SLO measures the fault against the baseline budget', () => {
    const { results } = evaluateWindows(
      sloSpec({ sli: 'delivery_ratio', objective: '>= 99%', window: 'baseline' }),
      slices,
      PHASES,
      WINDOW_NAMES,
    );
    // Baseline allows 1 % of 10 000 = 100 bad; the fault window spent 200.
    expect(byWindow(results).fault!.budgetConsumed).toBeCloseTo(2, 9);
  });

  it('nodata in the SLO window: nodata, and no budget numbers anywhere', () => {
    const faultOnly = series(repeat(10, delivered(980, 1000)), 10_000);
    const { own, results } = evaluateWindows(
      sloSpec({ sli: 'delivery_ratio', objective: '>= 99%', window: 'baseline' }),
      faultOnly,
      PHASES,
      WINDOW_NAMES,
    );
    expect(own).toMatchObject({ status: 'nodata', value: null, good: 0, total: 0 });
    const w = byWindow(results);
    expect(w.baseline).toMatchObject({ status: 'nodata', value: null, budgetConsumed: null, burnRate: null });
    expect(w.fault).toMatchObject({ status: 'breached', value: 0.98, budgetConsumed: null, burnRate: null });
  });
});

describe('count SLIs budget lost events out of expected', () => {
  const lost = (n: number): SliceSpec => ({ counters: { 'fleet.lost': n, 'fleet.expected': 100 } });
  const slices = series([...repeat(10, lost(0)), lost(3), ...repeat(9, lost(0)), ...repeat(10, lost(0))]);

  it('== 0 is a zero budget: any loss breaches and spends it all (reported at the cap)', () => {
    const { own, results } = evaluateWindows(
      sloSpec({ sli: 'messages_lost', objective: '== 0' }),
      slices,
      PHASES,
      WINDOW_NAMES,
    );
    expect(own).toMatchObject({ status: 'breached', value: 3, good: 2997, total: 3000 });
    const w = byWindow(results);
    expect(w.run).toMatchObject({ budgetConsumed: REPORTED_RATIO_CAP, burnRate: REPORTED_RATIO_CAP });
    expect(w.baseline).toMatchObject({ status: 'met', value: 0, budgetConsumed: 0, burnRate: 0 });
    expect(compliance(own.status, own.value, { op: '==', value: 0 })).toBe(0);
  });

  it('<= N allows N lost events: target = 1 − N / expected', () => {
    const slo = sloSpec({ sli: 'messages_lost', objective: '<= 6' });
    expect(occurrencesTarget(slo, resolveSli('messages_lost')!, 3000)).toBeCloseTo(0.998, 12);
    const { own, results } = evaluateWindows(slo, slices, PHASES, WINDOW_NAMES);
    expect(own.status).toBe('met');
    const w = byWindow(results);
    expect(w.run!.budgetConsumed).toBeCloseTo(0.5, 9); // 3 of 6
    expect(w.run!.burnRate).toBeCloseTo(0.5, 9); // (3 / 3000) / (6 / 3000)
    expect(w.fault!.burnRate).toBeCloseTo(1.5, 9); // (3 / 1000) / (6 / 3000)
  });
});

describe('latency percentiles by occurrences', () => {
  const lat = (fast: number, slow: number): SliceSpec => ({
    latencies: {
      'fleet.e2e_latency': [
        [100, fast],
        [800, slow],
      ],
    },
  });
  const phases: PhaseBoundaries = { ...PHASES, run: [0, 10_000] };

  it('p99 <= 500ms: ≥ 99 % of samples ≤ 500 ms; the budget is the other 1 %', () => {
    const slices = series([...repeat(9, lat(100, 0)), lat(95, 5)]);
    const slo = sloSpec({ sli: 'e2e_latency_p99', objective: '<= 500ms' });
    const { own, results } = evaluateWindows(slo, slices, phases, ['run']);
    expect(own).toMatchObject({ status: 'met', good: 995, total: 1000 });
    expect(own.value).toBeCloseTo(100, 0);
    expect(results[0]!.budgetConsumed).toBeCloseTo(0.5, 9); // 5 slow of 10 allowed
  });

  it('breaches when more than 1 % are slow; compliance is threshold / value', () => {
    const slices = series([...repeat(9, lat(100, 0)), lat(80, 20)]);
    const { own, results } = evaluateWindows(
      sloSpec({ sli: 'e2e_latency_p99', objective: '<= 500ms' }),
      slices,
      phases,
      ['run'],
    );
    expect(own).toMatchObject({ status: 'breached', good: 980, total: 1000 });
    expect(own.value).toBeCloseTo(800, 0);
    expect(results[0]!.budgetConsumed).toBeCloseTo(2, 9);
    expect(results[0]!.burnRate).toBeCloseTo(2, 9);
    expect(compliance(own.status, own.value, { op: '<=', value: 500 })).toBeCloseTo(500 / own.value!, 12);
  });

  it('timeslices of a percentile aim at the percentile of slices', () => {
    const slo = sloSpec({ sli: 'e2e_latency_p99', objective: '<= 500ms', budgeting: 'timeslices' });
    expect(timeslicesTarget(slo, resolveSli('e2e_latency_p99')!)).toEqual({ op: '>=', value: 0.99 });
    const slices = series([...repeat(9, lat(100, 0)), lat(0, 100)]);
    expect(evaluateWindows(slo, slices, phases, ['run']).own).toMatchObject({
      status: 'breached',
      value: 0.9,
    });
  });
});

describe('compliance', () => {
  it.each([
    ['met', 0.5, '>=', 0.99, 1],
    ['nodata', null, '>=', 0.99, 0],
    ['breached', 0.9, '>=', 0.99, 0.9 / 0.99],
    ['breached', 1000, '<=', 500, 0.5],
    ['breached', 0, '>=', 0.99, 0],
    ['breached', 3, '==', 0, 0],
  ] as const)('%s %d vs %s %d → %d', (status, value, op, threshold, expected) => {
    expect(compliance(status, value, { op, value: threshold })).toBeCloseTo(expected, 12);
  });
});

describe('currentValue', () => {
  it('reads the SLI over the last slices', () => {
    const slices = series([delivered(0, 100), delivered(100, 100), delivered(99, 100), delivered(98, 100)]);
    const slo = sloSpec({ sli: 'delivery_ratio', objective: '>= 99%' });
    expect(currentValue(slo, slices, 2)).toEqual({ value: 0.985, unit: 'ratio', status: 'breached' });
    expect(currentValue(slo, slices, 3)).toEqual({ value: 0.99, unit: 'ratio', status: 'met' });
    expect(currentValue(slo, [], 3)).toEqual({ value: null, unit: 'ratio', status: 'nodata' });
  });

  it('compares with the slice objective for timeslices SLOs', () => {
    const slo = sloSpec({
      sli: 'delivery_ratio',
      objective: '>= 90%',
      budgeting: 'timeslices',
      sliceObjective: '>= 99.9%',
    });
    expect(currentValue(slo, series([delivered(99, 100)]), 1).status).toBe('breached');
  });
});
