/**
 * k6 end-of-test summaries in the shapes k6 documents: handleSummary data
 * (results-output/end-of-test/custom-summary), the legacy `--summary-export` file, and the
 * machine-readable summary (schema 1.0.0, github.com/grafana/k6-summary). k6 cannot be
 * installed here; the documents below are written in those shapes, with k6's built-in names
 * and tags, not produced by a k6 run.
 */
import { describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import { parseK6Summary } from './k6-summary.js';

const handleSummaryData = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: [
      {
        name: 'login',
        path: '::login',
        id: 'a1',
        groups: [],
        checks: [{ name: 'status is 200', path: '::login::status is 200', id: 'c1', passes: 290, fails: 10 }],
      },
    ],
    checks: [{ name: 'body has token', path: '::body has token', id: 'c2', passes: 300, fails: 0 }],
  },
  options: {
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
    summaryTimeUnit: '',
    noColor: false,
  },
  state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 60012.4 },
  metrics: {
    http_req_duration: {
      type: 'trend',
      contains: 'time',
      values: { avg: 48.2, min: 9.1, med: 31.7, max: 812.3, 'p(90)': 120.5, 'p(95)': 233.9 },
      thresholds: { 'p(95)<500': { ok: true } },
    },
    'http_req_duration{expected_response:true}': {
      type: 'trend',
      contains: 'time',
      values: { avg: 47.1, min: 9.1, med: 31.2, max: 640.8, 'p(90)': 118.2, 'p(95)': 229.4 },
    },
    http_req_failed: {
      type: 'rate',
      contains: 'default',
      values: { rate: 0.0333, passes: 10, fails: 290 },
      thresholds: { 'rate<0.01': { ok: false } },
    },
    checks: { type: 'rate', contains: 'default', values: { rate: 0.9833, passes: 590, fails: 10 } },
    http_reqs: { type: 'counter', contains: 'default', values: { count: 300, rate: 4.999 } },
    data_received: { type: 'counter', contains: 'data', values: { count: 1_234_567, rate: 20_572 } },
    vus: { type: 'gauge', contains: 'default', values: { value: 5, min: 1, max: 5 } },
  },
};

const summaryExport = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: {
      login: {
        name: 'login',
        path: '::login',
        id: 'a1',
        groups: {},
        checks: {
          'status is 200': {
            name: 'status is 200',
            path: '::login::status is 200',
            id: 'c1',
            passes: 290,
            fails: 10,
          },
        },
      },
    },
    checks: {},
  },
  metrics: {
    checks: { value: 0.9667, passes: 290, fails: 10 },
    http_req_duration: {
      avg: 48.2,
      min: 9.1,
      med: 31.7,
      max: 812.3,
      'p(90)': 120.5,
      'p(95)': 233.9,
      thresholds: { 'p(95)<200': true },
    },
    http_reqs: { count: 300, rate: 4.999, thresholds: { 'count>100': false } },
    iterations: { count: 300, rate: 4.999 },
    data_sent: { count: 45_678, rate: 761 },
    vus_max: { value: 5, min: 5, max: 5 },
    my_trend: { avg: 3, min: 1, med: 3, max: 5, 'p(90)': 4.6, 'p(95)': 4.8 },
  },
};

const machineReadable = {
  version: '1.0.0',
  metadata: { generatedAt: '2026-03-02T10:01:00.123Z', k6Version: '1.5.0' },
  config: { execution: 'local', script: 'load.js', duration: 60.01 },
  results: {
    passed: false,
    metrics: [
      { name: 'http_reqs', type: 'counter', contains: 'default', values: { count: 300, rate: 4.999 } },
      {
        name: 'http_req_duration',
        type: 'trend',
        contains: 'time',
        values: { avg: 48.2, med: 31.7, 'p(95)': 233.9, 'p(99)': 601.2 },
      },
      // k6's generated types write rates as matches/total.
      {
        name: 'http_req_failed',
        type: 'rate',
        contains: 'default',
        values: { matches: 10, rate: 0.0333, total: 300 },
      },
      // The schema's own form: passes/fails.
      {
        name: 'checks',
        type: 'rate',
        contains: 'default',
        category: 'execution',
        values: { rate: 0.9833, passes: 590, fails: 10 },
      },
    ],
    checks: { results: [{ name: 'status is 200', passes: 290, fails: 10 }] },
  },
};

const parse = (doc: unknown, file = 'summary.json') => parseK6Summary(JSON.stringify(doc), file);

describe('parseK6Summary', () => {
  it('reads handleSummary data: typed metrics, submetrics, thresholds, checks of nested groups', () => {
    const s = parse(handleSummaryData);
    expect(s).toMatchObject({
      format: 'handleSummary',
      file: 'summary.json',
      durationMs: 60012.4,
      passed: false,
    });
    expect(s.metrics.map((m) => m.name)).toEqual([
      'checks',
      'data_received',
      'http_req_duration',
      'http_req_duration{expected_response:true}',
      'http_req_failed',
      'http_reqs',
      'vus',
    ]);
    expect(s.metrics.find((m) => m.name === 'http_req_duration')).toEqual({
      name: 'http_req_duration',
      type: 'trend',
      contains: 'time',
      values: { avg: 48.2, min: 9.1, med: 31.7, max: 812.3, 'p(90)': 120.5, 'p(95)': 233.9 },
    });
    expect(s.thresholds).toEqual([
      { metric: 'http_req_duration', expression: 'p(95)<500', ok: true },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    ]);
    expect(s.checks).toEqual([
      { path: '::body has token', name: 'body has token', passes: 300, fails: 0 },
      { path: '::login::status is 200', name: 'status is 200', passes: 290, fails: 10 },
    ]);
  });

  it('reads a --summary-export file: types from the values, a failed threshold as true', () => {
    const s = parse(summaryExport);
    expect(s.format).toBe('summary-export');
    const m = (name: string) => s.metrics.find((x) => x.name === name)!;
    expect(m('checks')).toEqual({
      name: 'checks',
      type: 'rate',
      contains: 'default',
      values: { rate: 0.9667, passes: 290, fails: 10 },
    });
    expect(m('http_req_duration')).toMatchObject({ type: 'trend', contains: 'time' });
    expect(m('http_req_duration').values).not.toHaveProperty('thresholds');
    expect(m('my_trend')).toMatchObject({ type: 'trend', contains: 'default' });
    expect(m('http_reqs')).toMatchObject({ type: 'counter', values: { count: 300, rate: 4.999 } });
    expect(m('data_sent')).toMatchObject({ type: 'counter', contains: 'data' });
    expect(m('vus_max')).toMatchObject({ type: 'gauge', values: { value: 5, min: 5, max: 5 } });
    expect(s.thresholds).toEqual([
      { metric: 'http_req_duration', expression: 'p(95)<200', ok: false },
      { metric: 'http_reqs', expression: 'count>100', ok: true },
    ]);
    expect(s.passed).toBe(false);
    expect(s.checks).toEqual([
      { path: '::login::status is 200', name: 'status is 200', passes: 290, fails: 10 },
    ]);
  });

  it('reads the machine-readable summary, rates as passes/fails or matches/total', () => {
    const s = parse(machineReadable);
    expect(s).toMatchObject({
      format: 'machine-readable',
      k6Version: '1.5.0',
      script: 'load.js',
      durationMs: 60010,
      passed: false,
      thresholds: [],
      checks: [{ path: 'status is 200', name: 'status is 200', passes: 290, fails: 10 }],
    });
    const m = (name: string) => s.metrics.find((x) => x.name === name)!;
    expect(m('http_req_failed').values).toEqual({ rate: 0.0333, passes: 10, fails: 290 });
    expect(m('checks').values).toEqual({ rate: 0.9833, passes: 590, fails: 10 });
    expect(m('http_req_duration').values['p(99)']).toBe(601.2);
  });

  it('reads the checks of a summary that lists them as orderedChecks', () => {
    const doc = {
      ...machineReadable,
      results: {
        ...machineReadable.results,
        checks: { orderedChecks: [{ name: 'ok', passes: 1, fails: 2 }] },
      },
    };
    expect(parse(doc).checks).toEqual([{ path: 'ok', name: 'ok', passes: 1, fails: 2 }]);
  });

  it.each([
    ['not JSON', '{"metrics":', 'not JSON'],
    [
      'another JSON document',
      JSON.stringify({ schemaVersion: 1, slos: [] }),
      'expected handleSummary data or --summary-export output',
    ],
    ['an empty metrics map', JSON.stringify({ metrics: {}, root_group: {} }), 'it has no metrics'],
    [
      'a bad metric type',
      JSON.stringify({ metrics: { x: { type: 'histogram', values: {} } } }),
      'metric \'x\' has type "histogram"',
    ],
    [
      'an export metric with no values',
      JSON.stringify({ metrics: { x: { thresholds: {} } } }),
      "metric 'x' has none of the values",
    ],
    [
      'a nameless machine-readable metric',
      JSON.stringify({ version: '1.0.0', results: { metrics: [{ type: 'trend' }] } }),
      'must each have a name',
    ],
  ])('refuses %s with SQUALL_K6_SUMMARY_INVALID, naming the file', (_what, text, message) => {
    let err: unknown;
    try {
      parseK6Summary(text, 'out/k6.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SquallError);
    expect((err as SquallError).code).toBe('SQUALL_K6_SUMMARY_INVALID');
    expect((err as SquallError).message).toContain("'out/k6.json' is not a k6 end-of-test summary: ");
    expect((err as SquallError).message).toContain(message);
  });
});
