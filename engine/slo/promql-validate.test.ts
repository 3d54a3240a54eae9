/**
 * Load-time checks of PromQL SLOs (`squall validate`, no Prometheus needed): the source must be
 * declared under sources:, promql / promql_ratio need their queries and take nothing else, a
 * Prometheus source serves no fleet or probe SLI, guards cannot watch a PromQL SLI by name;
 * each issue positioned at its field. And the per-slice math of `promql` values.
 */
import { describe, expect, it } from 'vitest';
import { loadExperimentText } from '../app/load.js';
import { formatSpecIssue, SpecError } from '../core/errors.js';
import type { MetricSlice } from '../core/metrics.js';
import { evaluateWindows } from './evaluate.js';

function issueLines(text: string): string[] {
  try {
    loadExperimentText(text, 'x.yaml');
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue);
    throw err;
  }
  return [];
}

const HEAD = `apiVersion: squall/v1
kind: Experiment
metadata: { name: t }
sources:
  prom: { prometheus: { url: "http://127.0.0.1:9090" } }
phases: { baseline: 10s, recovery: 10s }
`;

describe('PromQL SLOs at load time', () => {
  it('accepts promql and promql_ratio SLOs on a declared source, with a burn-rate guard', () => {
    const text = `${HEAD}slos:
  - { name: up, sli: promql, source: prom, params: { query: "min(up)" }, objective: ">= 1" }
  - name: ok
    sli: promql_ratio
    source: prom
    params: { good: "sum(rate(ok_total[5s]))", total: "sum(rate(all_total[5s]))" }
    objective: ">= 99%"
guards:
  - burnRate: { slo: ok }
`;
    expect(issueLines(text)).toEqual([]);
    const loaded = loadExperimentText(text, 'x.yaml');
    expect(loaded.experiment.sources?.prom?.prometheus).toEqual({
      url: 'http://127.0.0.1:9090',
      timeout: 2000,
      delay: 2000,
    });
  });

  it('positions each problem at its field', () => {
    const lines = issueLines(`${HEAD}probes:
  - { name: api, kind: http, params: { url: "http://127.0.0.1:1/" } }
slos:
  - { name: a, sli: promql, source: prom, objective: "== 0" }
  - { name: b, sli: promql_ratio, source: prom, params: { good: "x", totl: "y" }, objective: ">= 99%" }
  - { name: c, sli: promql, source: promm, params: { query: "up" }, objective: "== 1" }
  - { name: d, sli: delivery_ratio, source: prom, objective: ">= 99%" }
  - { name: e, sli: promql, source: api, params: { query: "up" }, objective: "== 1" }
  - { name: f, sli: promql, source: prom, params: { query: "up" }, objective: ">= 99%" }
guards:
  - { when: "promql < 1", source: prom }
`);
    expect(lines).toEqual([
      expect.stringMatching(
        /^x\.yaml:10:5 slos\[0\]\.params: 'promql' needs params\.query, a PromQL expression$/,
      ),
      expect.stringMatching(/^x\.yaml:11:\d+ slos\[1\]\.params: 'promql_ratio' needs params\.total/),
      expect.stringMatching(
        /^x\.yaml:11:\d+ slos\[1\]\.params\.totl: 'promql_ratio' takes params good, total, not 'totl'/,
      ),
      expect.stringMatching(
        /^x\.yaml:12:\d+ slos\[2\]\.source: probe or source 'promm' is not declared under probes or sources \(did you mean 'prom'\?\)/,
      ),
      expect.stringMatching(
        /^x\.yaml:13:\d+ slos\[3\]\.source: source 'prom' is a Prometheus source; its SLIs are promql/,
      ),
      expect.stringMatching(
        /^x\.yaml:14:\d+ slos\[4\]\.source: SLI 'promql' is a PromQL query; set 'source' to a Prometheus source/,
      ),
      expect.stringMatching(
        /^x\.yaml:15:\d+ slos\[5\]\.objective: objective '>= 99%' is a percentage, but SLI 'promql' is a count/,
      ),
      expect.stringMatching(
        /^x\.yaml:17:\d+ guards\[0\]\.when: 'promql' is defined by an SLO's PromQL; guard that SLO with burnRate/,
      ),
    ]);
  });
});

describe('promql values per slice', () => {
  const slice = (i: number, value?: number): MetricSlice => ({
    startMs: i * 1000,
    durationMs: 1000,
    counters: {},
    gauges: value === undefined ? {} : { 'prom.restarts.value': value },
    histograms: {},
  });
  const phases = {
    run: [0, 6000],
    baseline: [0, 3000],
    fault: [3000, 5000],
    recovery: [5000, 6000],
  } as const;
  const slices = [slice(0, 0), slice(1), slice(2, 0), slice(3, 2), slice(4, 0), slice(5, 0)];
  const slo = {
    name: 'restarts',
    sli: 'promql',
    source: 'prom',
    objective: { op: '==', value: 0, unit: 'count', text: '== 0' },
    window: 'run',
    budgeting: 'occurrences',
  } as const;

  it('reads its own key; good/total are slices; the worst slice is the value; every slice must meet it', () => {
    const { results } = evaluateWindows(slo, slices, phases, ['baseline', 'fault', 'recovery', 'run']);
    const byWindow = Object.fromEntries(results.map((r) => [r.window, r]));
    expect(byWindow.baseline).toMatchObject({ status: 'met', value: 0, good: 2, total: 2 });
    expect(byWindow.fault).toMatchObject({ status: 'breached', value: 2, good: 1, total: 2 });
    expect(byWindow.recovery).toMatchObject({ status: 'met', value: 0, good: 1, total: 1 });
    // A zero budget, spent by the one bad slice.
    expect(byWindow.run!.budgetConsumed).toBe(1000);
    expect(byWindow.baseline!.budgetConsumed).toBe(0);
  });

  it('with timeslices: a budget of bad slices', () => {
    const t = {
      ...slo,
      budgeting: 'timeslices',
      objective: { op: '>=', value: 0.75, unit: 'ratio', text: '>= 75%' },
      sliceObjective: { op: '==', value: 0, unit: 'count', text: '== 0' },
    } as const;
    const { own } = evaluateWindows(t, slices, phases, ['run']);
    expect(own).toMatchObject({ status: 'met', value: 0.8, good: 4, total: 5 });
  });
});
