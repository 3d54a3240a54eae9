/**
 * The library's files as specs: every experiment validates, links a runbook that exists, and
 * the two names the library relies on — the testbed's `edge-<i>-uplink` proxies and
 * `fleet.sink.broker` — are checked at validation time (a typo fails `squall validate`, not
 * minute 3 of a game day). Needs: nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadExperimentText, validateExperiment } from '../engine/app/load.js';
import { formatSpecIssue } from '../engine/core/errors.js';
import { isSuite } from '../engine/suite/load.js';
import { toFleetConfig } from '../simulator/fleet-config.js';

const ROOT = new URL('../', import.meta.url).pathname;
// Suites (gameday.yaml) are checked with their experiments by engine/suite/load.test.ts.
const files = readdirSync(join(ROOT, 'experiments')).filter(
  (f) => f.endsWith('.yaml') && !isSuite(parseYaml(readFileSync(join(ROOT, 'experiments', f), 'utf8'))),
);

function issues(text: string): string[] {
  try {
    const { experiment } = loadExperimentText(text, 'x.yaml');
    return validateExperiment(experiment).map(formatSpecIssue);
  } catch (err) {
    return String((err as Error).message).split('\n');
  }
}

const BASE = `apiVersion: squall/v1
kind: Experiment
metadata: { name: x }
phases: { baseline: 1s, recovery: 1s }
`;

describe('experiment library files', () => {
  it.each(files)('%s validates and its runbook exists', (file) => {
    const text = readFileSync(join(ROOT, 'experiments', file), 'utf8');
    expect(issues(text)).toEqual([]);
    const { experiment } = loadExperimentText(text, file);
    if (file === 'demo-latency.yaml') return; // the Quick start demo, not part of the library
    expect(experiment.metadata.runbook, `${file} has no metadata.runbook`).toMatch(/^runbooks\/.+\.md$/);
    const runbook = readFileSync(join(ROOT, experiment.metadata.runbook!), 'utf8');
    for (const section of ['Symptoms', 'SLIs', 'Mitigation', 'Escalation', 'Severity']) {
      expect(runbook, `${experiment.metadata.runbook} lacks ${section}`).toContain(section);
    }
  });

  it('a proxy fault may target edge-<i>-uplink only when the testbed has uplinkProxy and that gateway', () => {
    const fault = (proxy: string) =>
      `faults: [{ name: f, kind: proxy.down, duration: 1s, target: { proxy: ${proxy} } }]\n`;
    const withUplinks = `${BASE}system: { testbed: { gateways: 2, uplinkProxy: true } }\n`;
    expect(issues(withUplinks + fault('edge-2-uplink'))).toEqual([]);
    expect(issues(withUplinks + fault('edge-3-uplink')).join('\n')).toMatch(/edge-3-uplink/);
    expect(
      issues(`${BASE}system: { testbed: { gateways: 2 } }\n${fault('edge-1-uplink')}`).join('\n'),
    ).toMatch(/edge-1-uplink/);
  });

  it('fleet.sink.broker is validated against the known brokers and resolved for the sink', () => {
    const fleet = (sink: string) =>
      `system: { testbed: { gateways: 1 } }\nfleet: { devices: 1, broker: edge-1, telemetry: { every: 1s }, sink: { broker: ${sink} } }\n`;
    expect(issues(BASE + fleet('cloud'))).toEqual([]);
    expect(issues(BASE + fleet('clod')).join('\n')).toMatch(/fleet\.sink\.broker/);
    const { experiment } = loadExperimentText(BASE + fleet('cloud'), 'x.yaml');
    const config = toFleetConfig(experiment.fleet!, {
      cloud: 'mqtt://127.0.0.1:1001',
      'edge-1': 'mqtt://127.0.0.1:1002',
    });
    expect(config.engine.broker).toMatchObject({ port: 1002 });
    expect(config.sink).toMatchObject({ broker: { host: '127.0.0.1', port: 1001 } });
  });

  it('every experiment other than the demo is listed with a runbook file that exists', () => {
    for (const file of files.filter((f) => f !== 'demo-latency.yaml')) {
      const { experiment } = loadExperimentText(readFileSync(join(ROOT, 'experiments', file), 'utf8'), file);
      expect(existsSync(join(ROOT, experiment.metadata.runbook!))).toBe(true);
    }
  });
});
