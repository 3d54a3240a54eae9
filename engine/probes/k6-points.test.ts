/**
 * The k6 JSON-output parser over lines in k6's documented format (results-output/real-time/json:
 * a `Metric` line before a metric's first `Point`, RFC 3339 times with nanoseconds and an
 * offset, tags as k6 sets them). k6 itself cannot be installed here; these lines are written
 * as its docs and its encoder (output/json/wrapper.go) give them.
 */
import { describe, expect, it } from 'vitest';
import { percentileMs } from '../core/metrics.js';
import { type K6Point, K6SliceTally, parseK6Line } from './k6-points.js';

const TAGS = {
  expected_response: 'true',
  group: '',
  method: 'GET',
  name: 'http://127.0.0.1:8080/api',
  proto: 'HTTP/1.1',
  scenario: 'default',
  status: '200',
  url: 'http://127.0.0.1:8080/api',
};
const metricLine = (name: string, type: string, contains = 'default') =>
  JSON.stringify({
    type: 'Metric',
    data: { name, type, contains, thresholds: [], submetrics: null },
    metric: name,
  });
const pointLine = (metric: string, time: string, value: number, tags: object | null = TAGS) =>
  JSON.stringify({ type: 'Point', data: { time, value, tags }, metric });

describe('parseK6Line', () => {
  it('reads a Metric line', () => {
    expect(parseK6Line(metricLine('http_req_duration', 'trend', 'time'))).toEqual({
      kind: 'metric',
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
    });
  });

  it('reads the documented example lines (name absent from data in older k6)', () => {
    const old =
      '{"type":"Metric","data":{"type":"gauge","contains":"default","tainted":null,"thresholds":[],"submetrics":null},"metric":"vus"}';
    expect(parseK6Line(old)).toMatchObject({ kind: 'metric', name: 'vus', type: 'gauge' });
    const point =
      '{"type":"Point","data":{"time":"2017-05-09T14:34:45.239531499+02:00","value":459.865729,"tags":{"group":"::my group::json","method":"GET","status":"200","url":"https://httpbin.test.k6.io/get"}},"metric":"http_req_duration"}';
    expect(parseK6Line(point)).toEqual({
      kind: 'point',
      point: {
        metric: 'http_req_duration',
        timeMs: Date.UTC(2017, 4, 9, 12, 34, 45, 239),
        value: 459.865729,
        tags: {
          group: '::my group::json',
          method: 'GET',
          status: '200',
          url: 'https://httpbin.test.k6.io/get',
        },
      },
    });
  });

  it('reads null tags and metadata', () => {
    const line = JSON.stringify({
      type: 'Point',
      data: { time: '2026-03-02T10:00:00Z', value: 5, tags: null, metadata: { vu: '1' } },
      metric: 'vus',
    });
    expect(parseK6Line(line)).toMatchObject({ kind: 'point', point: { value: 5, tags: {} } });
  });

  it.each([
    ['{"type":"Point","data":{"time":"2026', 'not JSON'],
    ['[1,2]', 'expected'],
    ['{"type":"Sample","data":{},"metric":"x"}', 'not Metric or Point'],
    [pointLine('checks', 'yesterday', 1), 'RFC 3339'],
    [
      JSON.stringify({ type: 'Point', data: { time: '2026-03-02T10:00:00Z', value: '1' }, metric: 'x' }),
      'not a number',
    ],
    [
      JSON.stringify({ type: 'Metric', data: { type: 'histogram' }, metric: 'x' }),
      'counter, gauge, rate or trend',
    ],
  ])('names what is wrong with %s', (line, problem) => {
    expect(parseK6Line(line)).toEqual({ kind: 'problem', problem: expect.stringContaining(problem) });
  });

  it('skips blank lines', () => expect(parseK6Line('  ')).toBeUndefined());
});

const point = (
  metric: string,
  timeMs: number,
  value: number,
  tags: Record<string, string> = TAGS,
): K6Point => ({
  metric,
  timeMs,
  value,
  tags,
});

describe('K6SliceTally', () => {
  it('dates each point into the slice of the grid holding its time', () => {
    const tally = new K6SliceTally(1000);
    const t0 = Date.UTC(2026, 2, 2, 10, 0, 0);
    // Three requests in the first second (one failed with a 503), one with no response in the next.
    for (const [dt, failed, status, ms] of [
      [10, 0, '200', 12],
      [400, 1, '503', 30],
      [999, 0, '200', 14],
      [1000, 1, '0', 0],
    ] as const) {
      const tags = { ...TAGS, status };
      tally.add(point('http_reqs', t0 + dt, 1, tags));
      tally.add(point('http_req_duration', t0 + dt, ms, tags));
      tally.add(point('http_req_failed', t0 + dt, failed, tags));
    }
    tally.add(point('checks', t0 + 20, 1));
    tally.add(point('checks', t0 + 420, 0));
    tally.add(point('iterations', t0 + 30, 1));
    tally.add(point('iteration_duration', t0 + 30, 1012.5));
    tally.add(point('vus', t0 + 500, 3));
    tally.add(point('vus', t0 + 900, 5));
    tally.add(point('vus', t0 + 950, 4));
    expect(tally.add(point('data_received', t0 + 30, 1234))).toBe(false);

    const [first, second, ...rest] = tally.take();
    expect(rest).toEqual([]);
    expect(first).toMatchObject({
      startMs: t0,
      counters: {
        total: 3,
        ok: 2,
        http_req_failed: 1,
        http_reqs: 3,
        checks: 2,
        checks_passed: 1,
        iterations: 1,
      },
      maxGauges: { vus: 5 },
    });
    expect(first!.counters.errors).toBeUndefined(); // a 503 is a response
    expect(first!.histograms!.latency!.totalCount).toBe(3);
    expect(percentileMs(first!.histograms!.latency!, 100)).toBeCloseTo(30, 1);
    expect(percentileMs(first!.histograms!.iteration_duration!, 50)).toBeCloseTo(1012.5, 0);
    expect(second).toEqual({
      startMs: t0 + 1000,
      counters: { total: 1, http_req_failed: 1, errors: 1, http_reqs: 1 },
    });
  });

  it('hands over only slices that start before the given time, and each once', () => {
    const tally = new K6SliceTally(250);
    tally.add(point('iterations', 1_000, 1));
    tally.add(point('iterations', 1_260, 1));
    tally.add(point('iterations', 1_499, 2));
    expect(tally.take(1_250).map((d) => [d.startMs, d.counters.iterations])).toEqual([[1_000, 1]]);
    expect(tally.take(1_250)).toEqual([]);
    expect(tally.take().map((d) => [d.startMs, d.counters.iterations])).toEqual([[1_250, 3]]);
  });
});
