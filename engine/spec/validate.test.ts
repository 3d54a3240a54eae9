import { describe, expect, it } from 'vitest';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { validateExperiment } from '../app/load.js';
import { formatSpecIssue } from '../core/errors.js';
import { Experiment, type ExperimentInput } from './schema.js';
import { partialExperiment } from './validate.js';

function experiment(extra: Partial<ExperimentInput>): Experiment {
  return Experiment.parse({
    apiVersion: 'squall/v1',
    kind: 'Experiment',
    metadata: { name: 'code' },
    phases: { baseline: '10s', recovery: '10s' },
    ...extra,
  });
}

const lines = (e: Experiment) => validateExperiment(e).map(formatSpecIssue);

describe('validateExperiment (experiments built in code)', () => {
  it('returns no issues for a valid experiment', () => {
    expect(lines(experiment({}))).toEqual([]);
  });

  it('positions issues at 1:1 of <experiment> when there is no source', () => {
    const e = experiment({ faults: [{ name: 'k', kind: 'disk.fill', target: { pid: 1 } }] });
    expect(lines(e)).toEqual([
      `<experiment>:1:1 faults[0].kind: unknown fault kind 'disk.fill'; known: ${faultDrivers.names().join(', ')}`,
    ]);
  });

  it("accepts 'local' as an agent and any process name on the embedded testbed", () => {
    const e = experiment({
      system: { testbed: 'embedded' },
      faults: [{ name: 'k', kind: 'process.kill', target: { agent: 'local', process: 'cloud-broker' } }],
    });
    expect(lines(e)).toEqual([]);
  });

  it('an instantaneous fault needs no duration; a held one does', () => {
    const e = experiment({
      system: { processes: { api: { command: ['node'] } } },
      faults: [
        { name: 'kill', kind: 'process.kill', target: { process: 'api' } },
        { name: 'pause', kind: 'process.pause', target: { process: 'api' } },
      ],
    });
    expect(lines(e)).toEqual([
      '<experiment>:1:1 faults[1].duration: process.pause needs a duration (how long the fault lasts before it is reverted)',
    ]);
  });

  it('a fault may run to the last moment of phases.fault', () => {
    const e = experiment({
      system: { processes: { api: { command: ['node'] } } },
      phases: { baseline: '10s', fault: '10s', recovery: '10s' },
      faults: [{ name: 'p', kind: 'process.pause', target: { process: 'api' }, at: '+4s', duration: '6s' }],
    });
    expect(lines(e)).toEqual([]);
  });

  it('checks objective units against the SLI, including rates and per-tenant sources', () => {
    const e = experiment({
      fleet: { devices: 10, broker: 'mqtt://127.0.0.1:1883', tenants: { acme: '100%' } },
      slos: [
        { name: 'tp', sli: 'throughput', objective: '>= 1000' },
        { name: 'acme', sli: 'delivery_ratio', source: 'fleet.acme', objective: '>= 99%' },
        { name: 'tp2', sli: 'throughput', objective: '>= 10%' },
      ],
    });
    expect(lines(e)).toEqual([
      "<experiment>:1:1 slos[2].objective: objective '>= 10%' is a percentage, but SLI 'throughput' is a rate per second; expected a number (per second) such as '>= 1000'",
    ]);
  });

  it('a guard source must provide its SLI', () => {
    const e = experiment({
      probes: [{ name: 'api', kind: 'http', params: { url: 'http://127.0.0.1:1/' } }],
      guards: [{ when: 'delivery_ratio < 50%', source: 'api' }],
    });
    expect(lines(e)).toEqual([
      "<experiment>:1:1 guards[0].source: SLI 'delivery_ratio' is measured by the fleet, not by probe 'api'",
    ]);
  });
});

describe('partialExperiment', () => {
  it('keeps what parses, marks what does not, and keeps list indices', () => {
    const parts = partialExperiment({
      phases: { baseline: 'x' },
      faults: [{ name: 'bad' }, { name: 'ok', kind: 'process.kill', target: { pid: 1 } }],
      agents: { a: { address: '1.2.3.4:1' } },
    });
    expect(parts.broken.has('phases')).toBe(true);
    expect(parts.broken.has('faults')).toBe(true);
    expect(parts.broken.has('agents')).toBe(false);
    expect(parts.faults[0]).toBeUndefined();
    expect(parts.faults[1]?.name).toBe('ok');
    expect(parts.sections.system).toEqual({});
  });
});
