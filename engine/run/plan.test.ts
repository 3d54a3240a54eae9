import { describe, expect, it } from 'vitest';
import { Experiment, type ExperimentInput } from '../spec/schema.js';
import { buildPlan, renderPlan } from './plan.js';

function experiment(extra: Partial<ExperimentInput> = {}): Experiment {
  return Experiment.parse({
    apiVersion: 'squall/v1',
    kind: 'Experiment',
    metadata: { name: 'plan-test' },
    phases: { baseline: '60s', recovery: '2m' },
    ...extra,
  });
}

const herd = experiment({
  agents: { 'cloud-1': { address: '10.0.0.5:7070' }, 'edge-1': { address: 'edge-gw.lab:7070' } },
  fleet: { devices: 100_000, broker: 'cloud', tenants: { acme: '80%', globex: '20%' } },
  system: {
    testbed: 'embedded',
    proxies: { mqtt: { listen: '127.0.0.1:1884', upstream: '127.0.0.1:1883' } },
  },
  faults: [
    { name: 'slow', kind: 'proxy.latency', at: '+20s', duration: '15s', target: { proxy: 'mqtt' } },
    {
      name: 'kill',
      kind: 'process.kill',
      target: { agent: 'cloud-1', process: 'cloud-broker' },
      duration: '10s',
    },
    { name: 'gw', kind: 'process.kill', at: '+5s', target: { agent: 'edge-1', pid: 42, host: 'edge-1' } },
  ],
});

describe('buildPlan', () => {
  const plan = buildPlan(herd);

  it('lays out the phases from the start of the baseline; the fault window ends with the last fault', () => {
    expect(plan.phases).toEqual([
      { name: 'preflight', startMs: -3000, durationMs: 3000 },
      { name: 'baseline', startMs: 0, durationMs: 60_000 },
      { name: 'fault', startMs: 60_000, durationMs: 35_000 },
      { name: 'recovery', startMs: 95_000, durationMs: 120_000 },
    ]);
    expect(plan.durations).toEqual({
      preflightMs: 3000,
      baselineMs: 60_000,
      faultMs: 35_000,
      recoveryMs: 120_000,
    });
    expect(plan.runMs).toBe(215_000);
    expect(plan.totalMs).toBe(218_000);
  });

  it('orders faults by start, with their agent and duration', () => {
    expect(plan.faults.map((f) => [f.name, f.startMs, f.durationMs, f.agent])).toEqual([
      ['kill', 60_000, 10_000, 'cloud-1'],
      ['gw', 65_000, 0, 'edge-1'],
      ['slow', 80_000, 15_000, 'local'],
    ]);
  });

  it('honours phases.fault when it is set', () => {
    const p = buildPlan(experiment({ phases: { baseline: '10s', fault: '1m', recovery: '10s' } }));
    expect(p.durations.faultMs).toBe(60_000);
    expect(p.faults).toEqual([]);
  });

  it('collects the blast radius', () => {
    expect(plan.blastRadius).toEqual({
      agents: ['cloud-1', 'edge-1', 'local'],
      hosts: ['10.0.0.5', 'edge-1', 'edge-gw.lab'],
      processes: ['cloud-broker', 'pid 42'],
      proxies: ['mqtt'],
      devices: 100_000,
      tenants: ['acme', 'globex'],
    });
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('renderPlan', () => {
  it('prints the timeline table, the totals and the blast radius', () => {
    expect(renderPlan(buildPlan(herd))).toBe(
      `Plan for plan-test

offset  phase      fault  kind           target                          duration
-3s     preflight                                                        3s
+0s     baseline                                                         1m
+1m     fault                                                            35s
+1m                kill   process.kill   process cloud-broker @ cloud-1  10s
+1m5s              gw     process.kill   pid 42, host edge-1 @ edge-1    instant
+1m20s             slow   proxy.latency  proxy mqtt @ local              15s
+1m35s  recovery                                                         2m
+3m35s  end

Total 3m38s: preflight 3s, baseline 1m, fault window 35s, recovery 2m

Blast radius:
  agents     cloud-1, edge-1, local
  hosts      10.0.0.5, edge-1, edge-gw.lab
  processes  cloud-broker, pid 42
  proxies    mqtt
  devices    100,000
  tenants    acme, globex
`,
    );
  });

  it('says when nothing is touched', () => {
    expect(renderPlan(buildPlan(experiment()))).toContain(
      'Blast radius:\n  nothing: this experiment injects no faults\n',
    );
  });
});
