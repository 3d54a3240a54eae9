import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs, parseObjective, parsePercent } from './units.js';

describe('formatDurationMs', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [3_600_000 + 1500, '1h1s500ms'],
    [-3000, '-3s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
    if (ms >= 0) expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('parsePercent', () => {
  it('is exact for decimal percentages, so an SLI of 0.999 meets >= 99.9%', () => {
    expect(parsePercent('99.9%')).toBe(0.999);
    expect(parsePercent('99.99%')).toBe(0.9999);
    expect(parsePercent('33.3%')).toBe(0.333);
    expect(parseObjective('>= 99.9%').value).toBe(999 / 1000);
  });
});
