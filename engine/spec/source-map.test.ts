import { describe, expect, it } from 'vitest';
import { formatPath, RecordedSourceMap, sortIssues } from './source-map.js';

describe('formatPath', () => {
  it('uses dots and [index]', () => {
    expect(formatPath(['faults', 0, 'duration'])).toBe('faults[0].duration');
    expect(formatPath(['agents', 'cloud-1', 'address'])).toBe('agents.cloud-1.address');
    expect(formatPath([])).toBe('');
  });

  it('quotes keys that would read ambiguously', () => {
    expect(formatPath(['system', 'processes', 'api', 'env', 'A.B'])).toBe('system.processes.api.env["A.B"]');
    expect(formatPath(['x y'])).toBe('["x y"]');
  });
});

describe('RecordedSourceMap', () => {
  const map = new RecordedSourceMap('f.yaml');
  map.record([], { line: 1, col: 1 });
  map.record(['faults'], { line: 5, col: 3 }, { line: 4, col: 1 });
  map.record(['faults', 0], { line: 5, col: 5 });

  it('falls back to the nearest written ancestor', () => {
    expect(map.valueAt(['faults', 0, 'at'])).toEqual({ line: 5, col: 5 });
    expect(map.has(['faults', 0, 'at'])).toBe(false);
    expect(map.keyAt(['faults'])).toEqual({ line: 4, col: 1 });
    expect(map.keyAt(['faults', 0])).toEqual({ line: 5, col: 5 });
  });

  it('builds positioned issues', () => {
    expect(map.issue(['faults', 0, 'at'], 'bad')).toEqual({
      file: 'f.yaml',
      line: 5,
      col: 5,
      path: 'faults[0].at',
      message: 'bad',
    });
  });
});

it('sortIssues orders by line and column, keeping ties stable', () => {
  const at = (line: number, col: number, message: string) => ({ file: 'f', line, col, path: '', message });
  expect(
    sortIssues([at(3, 1, 'c'), at(1, 5, 'b'), at(1, 5, 'b2'), at(1, 2, 'a')]).map((i) => i.message),
  ).toEqual(['a', 'b', 'b2', 'c']);
});
