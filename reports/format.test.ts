import { describe, expect, it } from 'vitest';
import {
  describeSlo,
  formatBudget,
  formatDelta,
  formatOffset,
  formatSliValue,
  negateObjective,
} from './format.js';

describe('formatters', () => {
  it('say a breach with its numbers', () => {
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
        value: 512.345,
        unit: 'ms',
        objective: '<= 500ms',
        window: 'run',
        status: 'met',
      }),
    ).toBe('e2e_latency_p99 512.35ms <= 500ms during the run window');
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

  it('format values, budgets, offsets and deltas', () => {
    expect(formatSliValue(1, 'ratio')).toBe('100%');
    expect(formatSliValue(0.99999, 'ratio')).toBe('99.999%');
    expect(formatSliValue(3.333, 'per_s')).toBe('3.33/s');
    expect(formatBudget(11.764705)).toBe('1176.5%');
    expect(formatBudget(1000)).toBe('≥100000%');
    expect(formatOffset(-2000)).toBe('-2.000s');
    expect(formatOffset(61_234)).toBe('+1m01.234s');
    expect(formatDelta(-0.0005, 'ratio')).toBe('-0.05pp');
    expect(formatDelta(0, 'ms')).toBe('±0ms');
  });
});
