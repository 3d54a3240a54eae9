import { describe, expect, it } from 'vitest';
import {
  describeSlo,
  formatBudget,
  formatBurnRate,
  formatDelta,
  formatDuration,
  formatNumber,
  formatObjective,
  formatOffset,
  formatScore,
  formatSliValue,
  negateObjective,
} from './format.js';

describe('formatters', () => {
  it('say a breach with its numbers, value and objective in the same style', () => {
    expect(
      describeSlo({
        sli: 'delivery_ratio',
        value: 0.9971,
        unit: 'ratio',
        objective: '>= 99.9%',
        window: 'fault',
        status: 'breached',
      }),
    ).toBe('delivery_ratio 99.71% < 99.9% during the fault window');
    expect(
      describeSlo({
        sli: 'e2e_latency_p99',
        value: 4501.59,
        unit: 'ms',
        objective: '<= 10s',
        window: 'run',
        status: 'met',
      }),
    ).toBe('e2e_latency_p99 4.5 s <= 10 s during the run window');
    expect(
      describeSlo({
        sli: 'messages_lost',
        value: null,
        unit: 'count',
        objective: '== 0',
        window: 'run',
        status: 'nodata',
      }),
    ).toBe('messages_lost had no data during the run window');
  });

  it('negate every comparator', () => {
    expect(['>= 1', '> 1', '<= 1', '< 1', '== 0', '!= 0'].map(negateObjective)).toEqual([
      '< 1',
      '<= 1',
      '> 1',
      '>= 1',
      '!= 0',
      '== 0',
    ]);
  });

  it('write durations in ms below 1 s, seconds below 1 min, then minutes (3 significant digits)', () => {
    const cases: [number, string][] = [
      [0, '0 ms'],
      [0.412, '0.412 ms'],
      [2.8, '2.8 ms'],
      [158.72, '159 ms'],
      [161.02, '161 ms'],
      [999.7, '1 s'],
      [4501.59, '4.5 s'],
      [14_814, '14.8 s'],
      [59_970, '1 min'],
      [90_400, '1 min 30 s'],
      [3_725_000, '1 h 2 min 5 s'],
      [-0.42, '-0.42 ms'],
    ];
    for (const [ms, text] of cases) expect(formatSliValue(ms, 'ms'), `${ms} ms`).toBe(text);
    expect(formatDuration(14_814)).toBe('14.8 s');
    expect(formatDuration(null)).toBe('—');
  });

  it('write ratios with 2 decimals, 3 from 99 %, never rounding to 100 % or 0 %', () => {
    expect(formatSliValue(1, 'ratio')).toBe('100%');
    expect(formatSliValue(0.75, 'ratio')).toBe('75%');
    expect(formatSliValue(0.64753, 'ratio')).toBe('64.75%');
    expect(formatSliValue(0.99971, 'ratio')).toBe('99.971%');
    expect(formatSliValue(0.999996, 'ratio')).toBe('99.999%');
    expect(formatSliValue(0.000001, 'ratio')).toBe('<0.01%');
  });

  it('write counts and rates with 3 significant digits, whole and grouped from 1 000', () => {
    expect(formatSliValue(1412, 'count')).toBe('1,412');
    expect(formatSliValue(3.333, 'per_s')).toBe('3.33/s');
    expect(formatSliValue(12_345.6, 'per_s')).toBe('12,346/s');
    expect(formatNumber(1_234_567)).toBe('1,234,567');
    expect(formatSliValue(null, 'count')).toBe('no data');
  });

  it('write objectives exactly, in the style of the values', () => {
    expect(formatObjective('<= 10s', 'ms')).toBe('<= 10 s');
    expect(formatObjective('<= 500ms', 'ms')).toBe('<= 500 ms');
    expect(formatObjective('<= 1234ms', 'ms')).toBe('<= 1.234 s');
    expect(formatObjective('<= 1m30s', 'ms')).toBe('<= 1 min 30 s');
    expect(formatObjective('>= 99.95%', 'ratio')).toBe('>= 99.95%');
    expect(formatObjective('== 0', 'count')).toBe('== 0');
    expect(formatObjective('>= 1000', 'per_s')).toBe('>= 1,000/s');
    expect(formatObjective('not an objective')).toBe('not an objective');
  });

  it('give a value more digits rather than print it as its own threshold', () => {
    expect(formatSliValue(500.4, 'ms', '<= 500ms')).toBe('500.4 ms');
    expect(formatSliValue(500, 'ms', '<= 500ms')).toBe('500 ms');
    expect(formatSliValue(0.9989999, 'ratio', '>= 99.9%')).toBe('99.89999%');
    expect(formatSliValue(10_004, 'ms', '<= 10s')).toBe('10.004 s');
    expect(formatSliValue(500.4, 'ms')).toBe('500 ms');
  });

  it('format budgets, burn rates, scores, offsets and deltas', () => {
    expect(formatBudget(11.764705)).toBe('1,176%');
    expect(formatBudget(0.375)).toBe('37.5%');
    expect(formatBudget(1000)).toBe('≥100,000%');
    expect(formatBurnRate(2.5)).toBe('2.5×');
    expect(formatBurnRate(1000)).toBe('≥1,000×');
    expect(formatScore(33.3)).toBe('33.3/100');
    expect(formatScore(90)).toBe('90/100');
    expect(formatOffset(-2000)).toBe('-2.000 s');
    expect(formatOffset(61_234)).toBe('+1 min 01.234 s');
    expect(formatDelta(-0.0005, 'ratio')).toBe('-0.05 pp');
    expect(formatDelta(0, 'ms')).toBe('±0 ms');
  });
});
