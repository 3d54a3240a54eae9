import { describe, expect, it } from 'vitest';
import {
  allowedBadSlices,
  BURN_RATE_TIERS,
  budgetConsumed,
  burnRate,
  burnRateFactor,
  burnRateGuardFires,
  errorBudget,
  planBurnRateGuard,
  REPORTED_RATIO_CAP,
  reportedRatio,
  SRE_PERIOD_MS,
} from './budget.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

describe('burnRateFactor (SRE Workbook ch. 5, 30-day period)', () => {
  it.each([
    [0.02, HOUR_MS, 14.4],
    [0.05, 6 * HOUR_MS, 6],
    [0.1, DAY_MS, 3],
    [0.1, 3 * DAY_MS, 1],
  ])('%d of the budget in %d ms → %d', (fraction, windowMs, factor) => {
    expect(burnRateFactor(fraction, windowMs, 30 * DAY_MS)).toBeCloseTo(factor, 10);
  });

  it('derives the tier table factors', () => {
    expect(
      BURN_RATE_TIERS.map((t) => burnRateFactor(t.budgetFraction, t.longWindowMs, SRE_PERIOD_MS)),
    ).toEqual([
      expect.closeTo(14.4, 10),
      expect.closeTo(6, 10),
      expect.closeTo(3, 10),
      expect.closeTo(1, 10),
    ]);
    for (const t of BURN_RATE_TIERS) expect(t.shortWindowMs).toBe(t.longWindowMs / 12);
  });
});

describe('allowedBadSlices', () => {
  it('1008 bad 1-minute slices in 2 weeks at 95 %', () => {
    expect(allowedBadSlices(14 * DAY_MS, 60_000, 0.95)).toBe(1008);
  });
  it('rounds down and has none at 100 %', () => {
    expect(allowedBadSlices(60_000, 1000, 0.99)).toBe(0); // 0.6 of a slice
    expect(allowedBadSlices(600_000, 1000, 0.99)).toBe(6);
    expect(allowedBadSlices(600_000, 1000, 1)).toBe(0);
  });
});

describe('error budget, consumed, burn rate', () => {
  it('computes the formulas', () => {
    expect(errorBudget(0.999)).toBeCloseTo(0.001, 12);
    expect(budgetConsumed(0.998, 0.999)).toBeCloseTo(2, 9); // twice the budget
    expect(budgetConsumed(0.9995, 0.999)).toBeCloseTo(0.5, 9);
    expect(burnRate(5, 1000, 0.99)).toBeCloseTo(0.5, 9);
    expect(burnRate(0, 0, 0.99)).toBeNull();
  });

  it('a zero budget is 0 when clean and Infinity otherwise; reports cap it', () => {
    expect(budgetConsumed(1, 1)).toBe(0);
    expect(budgetConsumed(0.99, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(burnRate(1, 100, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(reportedRatio(Number.POSITIVE_INFINITY)).toBe(REPORTED_RATIO_CAP);
    expect(reportedRatio(2.5)).toBe(2.5);
    expect(reportedRatio(null)).toBeNull();
  });
});

describe('planBurnRateGuard', () => {
  it('keeps the Workbook tier when the run is as long as its period', () => {
    const plan = planBurnRateGuard({ runLengthMs: SRE_PERIOD_MS });
    expect(plan.factor).toBeCloseTo(14.4, 10);
    expect(plan.longWindowMs).toBeCloseTo(HOUR_MS, 6);
    expect(plan.shortWindowMs).toBeCloseTo(5 * 60_000, 6);
  });

  it('scales to a 12-hour run (1 h of 30 d = 1 min of 12 h)', () => {
    const plan = planBurnRateGuard({ runLengthMs: 12 * HOUR_MS });
    expect(plan.longWindowMs).toBeCloseTo(60_000, 6);
    expect(plan.shortWindowMs).toBeCloseTo(5000, 6);
    expect(plan.factor).toBeCloseTo(14.4, 10);
  });

  it('clamps a 10-minute run to the minimum windows and recomputes the factor', () => {
    // Scaled long window 600 000 / 720 = 833 ms < 5 slices → 5 s; short max(5 s / 12, 2 slices) = 2 s.
    const plan = planBurnRateGuard({ runLengthMs: 600_000 });
    expect(plan).toEqual({
      factor: expect.closeTo(2.4, 10),
      longWindowMs: 5000,
      shortWindowMs: 2000,
      budgetFraction: 0.02,
    });
  });

  it('never asks for a factor below 1', () => {
    expect(planBurnRateGuard({ runLengthMs: 60_000 }).factor).toBe(1); // 0.02 × 60 s / 5 s = 0.24
  });

  it('takes the experiment file’s overrides', () => {
    expect(planBurnRateGuard({ runLengthMs: 600_000, factor: 10, longWindowMs: 60_000 })).toEqual({
      factor: 10,
      longWindowMs: 60_000,
      shortWindowMs: 5000,
      budgetFraction: 0.02,
    });
    expect(planBurnRateGuard({ runLengthMs: 600_000, longWindowMs: 60_000 }).factor).toBe(1); // 0.02 × 10
    const slow = planBurnRateGuard({ runLengthMs: 30 * DAY_MS, tier: BURN_RATE_TIERS[1] });
    expect(slow.factor).toBeCloseTo(6, 10);
  });
});

describe('burnRateGuardFires: both windows must exceed the factor', () => {
  it.each([
    ['both above', 20, 30, true],
    ['only long above', 20, 5, false],
    ['only short above', 5, 30, false],
    ['none above', 5, 5, false],
    ['equal is not above', 14.4, 14.4, false],
    ['a window without data', null, 30, false],
  ] as const)('%s', (_, long, short, fires) => {
    expect(burnRateGuardFires(long, short, 14.4)).toBe(fires);
  });
});
