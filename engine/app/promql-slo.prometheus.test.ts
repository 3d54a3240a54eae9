/**
 * PromQL SLIs in a real run (main(), in this process): Debian's Prometheus scrapes the embedded
 * testbed's own broker metrics (its prom-client /metrics on a fixed `metricsPort`), the
 * experiment kills a cloud worker, and the PromQL SLI (`increase` of the primary's worker
 * restarts) is met in the baseline and breached in the fault window, scored and budgeted like
 * any SLO; a `promql_ratio` SLO over the broker's message counters is met with a burn-rate
 * guard on it. Then the run-start checks: a query Prometheus rejects (exit 2) and an
 * unreachable Prometheus (exit 4), each message positioned where it is written.
 * Needs: /usr/bin/prometheus; the testbed's aedes cluster (loopback).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsEvent, SloResult, VerdictEvent } from '../core/journal-events.js';
import { freePort } from '../core/ports.js';
import { startPrometheus, type TestPrometheus } from '../probes/test-support/prometheus.js';
import { main } from './cli/main.js';

function cli(cwd: string) {
  let out = '';
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (out += s) },
      cwd,
      env: {},
    },
    text: () => out,
  };
}

const experiment = (promUrl: string, metricsPort: number, sloQuery: string) => `apiVersion: squall/v1
kind: Experiment
metadata: { name: promql-worker-kill }
system:
  testbed: { workers: 2, gateways: 0, metricsPort: ${metricsPort} }
sources:
  prom:
    prometheus: { url: "${promUrl}", delay: 1500ms }
fleet:
  devices: 20
  broker: cloud
  clientId: "pq-{index}"
  rampUp: 1000/s
  telemetry: { every: 200ms, qos: 1, payloadBytes: 32, topic: "t/{tenant}/{index}" }
  reconnect: { strategy: full-jitter, base: 100ms, cap: 1s }
# A longer preflight: Prometheus needs two scrapes of the new testbed for a 3 s increase().
phases: { preflight: 4s, baseline: 4s, recovery: 6s }
faults:
  - { name: kill-worker, kind: process.kill, at: +0s, duration: 3s, target: { process: cloud-worker-0 } }
slos:
  - name: steady-workers
    sli: promql
    source: prom
    params:
      query: ${sloQuery}
    objective: "== 0"
    window: baseline
    preflight: false
  - name: workers-in-fault
    sli: promql
    source: prom
    params: { query: "${'sum(increase(squall_cloud_worker_restarts_total[3s]))'}" }
    objective: "== 0"
    window: fault
    preflight: false
    expect: breached
  - name: messages-routed
    sli: promql_ratio
    source: prom
    params:
      good: "sum(rate(squall_cloud_messages_in_total[3s]))"
      total: "sum(rate(squall_cloud_messages_in_total[3s]))"
    objective: ">= 99%"
    window: baseline
    preflight: false
guards:
  - burnRate: { slo: messages-routed }
`;

describe('PromQL SLIs over the testbed, on a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-promql-'));
  let prom: TestPrometheus;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    prom = await startPrometheus([{ job: 'cloud', targets: [`127.0.0.1:${metricsPort}`] }]);
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees the killed worker in the fault window, not in the baseline', async () => {
    writeFileSync(
      join(dir, 'kill.yaml'),
      experiment(prom.url, metricsPort, '"sum(increase(squall_cloud_worker_restarts_total[3s]))"'),
    );
    const run = cli(dir);
    const code = await main(['run', 'kill.yaml', '--out', 'runs/kill', '--no-history'], run.io);
    const lines = readFileSync(join(dir, 'runs/kill/journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    const verdict = lines.find((e) => e.type === 'verdict') as VerdictEvent;
    expect(verdict, run.text()).toBeDefined();
    const slo = (name: string) => verdict.slos.find((s: SloResult) => s.name === name)!;
    const window = (name: string, w: string) => slo(name).windows.find((r) => r.window === w)!;

    expect(slo('steady-workers').status).toBe('met');
    expect(
      window('steady-workers', 'baseline').total,
      JSON.stringify(slo('steady-workers')),
    ).toBeGreaterThanOrEqual(3);
    expect(slo('workers-in-fault').status).toBe('breached');
    expect(window('workers-in-fault', 'fault').value).toBeGreaterThan(0);
    // The same restarts SLO, read over the baseline: met there; in the fault window: breached.
    expect(window('workers-in-fault', 'baseline').status).toBe('met');
    expect(window('steady-workers', 'fault').status).toBe('breached');
    // Budgeted like the fleet's SLIs: a zero budget, spent in the fault window.
    expect(window('workers-in-fault', 'fault').budgetConsumed).toBeGreaterThan(1);
    expect(slo('messages-routed').status).toBe('met');
    expect(window('messages-routed', 'baseline').total).toBeGreaterThan(0);
    expect(lines.some((e) => e.type === 'guard.tripped')).toBe(false);
    // The answers reach the journal dated to their slices (amendments of earlier slices), keyed
    // by source and SLO.
    const gauges = lines
      .filter((e): e is MetricsEvent => e.type === 'metrics')
      .flatMap((e) =>
        (e.dated ?? []).flatMap((d) => [...Object.keys(d.counters), ...Object.keys(d.maxGauges ?? {})]),
      );
    expect(gauges).toContain('prom.workers-in-fault.value');
    expect(gauges).toContain('prom.messages-routed.good');
    expect(code, run.text()).toBe(0);
  }, 120_000);

  it('stops at run start on a query Prometheus rejects, positioned at the query (exit 2)', async () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      experiment(prom.url, metricsPort, '"sum(rate(squall_cloud_messages_in_total[3s])"'),
    );
    const run = cli(dir);
    const code = await main(['run', 'bad.yaml', '--out', 'runs/bad', '--no-history'], run.io);
    expect(code, run.text()).toBe(2);
    // slos[0].params.query is on line 25 of the file, its value at column 14.
    expect(run.text()).toMatch(
      /bad\.yaml:25:14 slos\[0\]\.params\.query: Prometheus rejected the query: .*parse error/,
    );
    expect(readFileSync(join(dir, 'runs/bad/journal.jsonl'), 'utf8')).not.toContain('fault.injected');
  }, 60_000);

  it('stops at run start when Prometheus cannot be reached, positioned at its url (exit 4)', async () => {
    const closed = await freePort();
    writeFileSync(
      join(dir, 'down.yaml'),
      experiment(`http://127.0.0.1:${closed}`, metricsPort, '"sum(squall_cloud_connections)"'),
    );
    const run = cli(dir);
    const code = await main(['run', 'down.yaml', '--out', 'runs/down', '--no-history'], run.io);
    expect(code, run.text()).toBe(4);
    expect(run.text()).toMatch(
      /down\.yaml:8:\d+ sources\.prom\.prometheus\.url: source 'prom': cannot reach Prometheus .*ECONNREFUSED/,
    );
    expect(run.text()).toContain('SQUALL_PROM_UNREACHABLE');
  }, 60_000);
});
