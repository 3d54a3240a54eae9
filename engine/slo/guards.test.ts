import { describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import { parseObjective } from '../core/units.js';
import { planBurnRateGuard } from './budget.js';
import { evaluateBurnRateGuard, evaluateThresholdGuard, parseGuardCondition } from './guards.js';
import { repeat, type SliceSpec, series, sloSpec } from './test-support/slices.js';

const connected = (ratio: number): SliceSpec => ({
  gauges: { 'fleet.connected': ratio * 100, 'fleet.target': 100 },
});
const guard = { sli: 'connected_ratio', objective: parseObjective('< 50%'), forMs: 3000 };

describe('evaluateThresholdGuard', () => {
  const slices = series([connected(0.9), connected(0.4), connected(0.4), connected(0.4)]);

  it('trips once the condition has held for `for`', () => {
    expect(evaluateThresholdGuard(guard, slices, 3000)).toMatchObject({
      tripped: false,
      heldMs: 2000,
      sinceMs: 1000,
    });
    expect(evaluateThresholdGuard(guard, slices, 4000)).toMatchObject({
      tripped: true,
      heldMs: 3000,
      sinceMs: 1000,
      value: 0.4,
    });
  });

  it('ignores slices that are not closed by now', () => {
    expect(evaluateThresholdGuard(guard, slices, 3999).tripped).toBe(false);
  });

  it('a good slice resets the hold', () => {
    const flap = series([connected(0.4), connected(0.4), connected(0.6), connected(0.4), connected(0.4)]);
    expect(evaluateThresholdGuard(guard, flap, 5000)).toMatchObject({
      tripped: false,
      heldMs: 2000,
      sinceMs: 3000,
    });
  });

  it('slices without data neither trip nor reset', () => {
    const gappy = series([connected(0.4), {}, connected(0.4), {}]);
    expect(evaluateThresholdGuard(guard, gappy, 4000)).toMatchObject({
      tripped: true,
      heldMs: 3000,
      value: 0.4,
    });
    expect(evaluateThresholdGuard(guard, series([{}, {}, {}, {}]), 4000)).toMatchObject({
      tripped: false,
      heldMs: 0,
      value: null,
    });
  });

  it('for: 0s trips on one slice', () => {
    expect(evaluateThresholdGuard({ ...guard, forMs: 0 }, series([connected(0.1)]), 1000).tripped).toBe(true);
  });

  it('reads a probe source', () => {
    const probe = series(repeat(2, { counters: { 'api.ok': 0, 'api.total': 5 } }));
    const g = { sli: 'success_ratio', source: 'api', objective: parseObjective('< 50%'), forMs: 2000 };
    expect(evaluateThresholdGuard(g, probe, 2000).tripped).toBe(true);
  });
});

describe('parseGuardCondition', () => {
  it('splits the SLI from the condition', () => {
    expect(parseGuardCondition('connected_ratio < 50%')).toMatchObject({
      sli: 'connected_ratio',
      objective: { op: '<', value: 0.5 },
    });
    expect(parseGuardCondition('e2e_latency_p99.9>=2s').objective).toMatchObject({ op: '>=', value: 2000 });
  });
  it('rejects malformed text and unknown SLIs', () => {
    expect(() => parseGuardCondition('connected_ratio')).toThrow(SquallError);
    expect(() => parseGuardCondition('conected_ratio < 50%')).toThrow(/did you mean 'connected_ratio'/);
  });
});

describe('evaluateBurnRateGuard (multiwindow, SRE Workbook ch. 5)', () => {
  // 99 % delivery → 1 % error budget; factor 2 → fires above 2 % loss in both windows.
  const slo = sloSpec({ sli: 'delivery_ratio', objective: '>= 99%' });
  const plan = { factor: 2, longWindowMs: 10_000, shortWindowMs: 2000, budgetFraction: 0.02 };
  const loss = (lost: number): SliceSpec => ({
    counters: { 'fleet.delivered': 100 - lost, 'fleet.expected': 100 },
  });

  it('fires when both windows burn above the factor', () => {
    const s = evaluateBurnRateGuard(plan, slo, series(repeat(10, loss(5))), 10_000);
    expect(s.fired).toBe(true);
    expect(s.longBurnRate).toBeCloseTo(5, 9);
    expect(s.shortBurnRate).toBeCloseTo(5, 9);
  });

  it('does not fire when only the long window is above (the problem has stopped)', () => {
    const s = evaluateBurnRateGuard(
      plan,
      slo,
      series([...repeat(8, loss(10)), ...repeat(2, loss(0))]),
      10_000,
    );
    expect(s).toMatchObject({ fired: false, shortBurnRate: 0 });
    expect(s.longBurnRate).toBeCloseTo(8, 9); // 80 lost of 1000
  });

  it('does not fire when only the short window is above (a blip)', () => {
    const s = evaluateBurnRateGuard(
      plan,
      slo,
      series([...repeat(8, loss(0)), ...repeat(2, loss(5))]),
      10_000,
    );
    expect(s.fired).toBe(false);
    expect(s.longBurnRate).toBeCloseTo(1, 9); // 10 lost of 1000
    expect(s.shortBurnRate).toBeCloseTo(5, 9);
  });

  it('does not fire when neither is above', () => {
    expect(evaluateBurnRateGuard(plan, slo, series(repeat(10, loss(1))), 10_000).fired).toBe(false);
  });

  it('windows end at now and hold only closed slices', () => {
    const slices = series([...repeat(10, loss(0)), ...repeat(10, loss(5))]);
    expect(evaluateBurnRateGuard(plan, slo, slices, 10_000).fired).toBe(false);
    expect(evaluateBurnRateGuard(plan, slo, slices, 20_000).fired).toBe(true);
  });

  it('works with a plan scaled to the run', () => {
    const scaled = planBurnRateGuard({ runLengthMs: 600_000 }); // factor 2.4, 5 s / 2 s
    expect(evaluateBurnRateGuard(scaled, slo, series(repeat(10, loss(3))), 10_000).fired).toBe(true);
    expect(evaluateBurnRateGuard(scaled, slo, series(repeat(10, loss(2))), 10_000).fired).toBe(false);
  });

  it('never fires for an SLO without an event budget', () => {
    const tput = sloSpec({ sli: 'throughput', objective: '>= 1000' });
    const s = evaluateBurnRateGuard(
      plan,
      tput,
      series(repeat(10, { counters: { 'fleet.published': 0 } })),
      10_000,
    );
    expect(s).toMatchObject({ fired: false, longBurnRate: null, shortBurnRate: null });
  });
});
