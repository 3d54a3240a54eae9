// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are experiment text; ${var} is the syntax under test.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { loadExperimentFile, loadExperimentText } from '../app/load.js';
import { formatSpecIssue, SpecError, SquallError } from '../core/errors.js';
import { probeKinds } from '../probes/catalog.js';
import { knownSliNames } from '../slo/catalog.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const invalidDir = join(fixtures, 'invalid');
const validDir = join(fixtures, 'valid');

/** The issue lines a load throws, formatted as the CLI prints them. */
function issueLines(text: string, file: string, vars?: Record<string, string>): string[] {
  try {
    loadExperimentText(text, file, { vars });
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue);
    throw err;
  }
  return [];
}

const MINIMAL = `apiVersion: squall/v1
kind: Experiment
metadata: { name: t }
phases: { baseline: 10s, recovery: 10s }
`;

describe('malformed corpus (fixtures/invalid)', () => {
  const files = readdirSync(invalidDir).filter((f) => f.endsWith('.yaml'));

  it('has at least 18 files, each with its .expected lines', () => {
    expect(files.length).toBeGreaterThanOrEqual(18);
    for (const f of files) expect(readdirSync(invalidDir)).toContain(f.replace(/\.yaml$/, '.expected'));
  });

  it.each(files)('%s reports exactly the expected lines', (file) => {
    const text = readFileSync(join(invalidDir, file), 'utf8');
    const expected = readFileSync(join(invalidDir, file.replace(/\.yaml$/, '.expected')), 'utf8')
      // Registries grow as drivers, probes and SLIs land: the lists come from them, not the file.
      .replaceAll('{{faultKinds}}', faultDrivers.names().join(', '))
      .replaceAll('{{probeKinds}}', probeKinds.names().join(', '))
      .replaceAll('{{sliNames}}', knownSliNames().join(', '))
      .split('\n')
      .filter(Boolean);
    expect(issueLines(text, file)).toEqual(expected);
  });
});

describe('valid fixtures', () => {
  const files = readdirSync(validDir).filter((f) => f.endsWith('.yaml'));
  it.each(files)('%s loads cleanly', async (file) => {
    const loaded = await loadExperimentFile(join(validDir, file));
    expect(loaded.file).toBe(join(validDir, file));
    expect(loaded.experiment.apiVersion).toBe('squall/v1');
  });

  it('converts units and fills defaults', async () => {
    const { experiment } = await loadExperimentFile(join(validDir, 'broker-crash-herd.yaml'));
    expect(experiment.phases).toEqual({ preflight: 3000, baseline: 60_000, recovery: 120_000 });
    expect(experiment.faults[0]).toMatchObject({ at: 0, duration: 10_000, params: {} });
    expect(experiment.slos[0]!.objective).toMatchObject({ op: '>=', value: 0.999, unit: 'ratio' });
    expect(experiment.rollback).toBe('always');
  });
});

/** A temp dir removed when the test ends, passed or failed. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('files', () => {
  it('a missing file is SQUALL_SPEC_UNREADABLE at 1:1', async () => {
    const missing = join(tmpdir(), 'squall-no-such-file.yaml');
    const err = await loadExperimentFile(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).code).toBe('SQUALL_SPEC_UNREADABLE');
    expect((err as SpecError).issues.map(formatSpecIssue)).toEqual([
      `${missing}:1:1 cannot read the experiment file: no such file`,
    ]);
  });

  it('a directory is unreadable too', async () => {
    const dir = tempDir('squall-dir-');
    const err = await loadExperimentFile(dir).catch((e: unknown) => e);
    expect((err as SpecError).code).toBe('SQUALL_SPEC_UNREADABLE');
  });

  it('issues name the path as given', async () => {
    const dir = tempDir('squall-spec-');
    const path = join(dir, 'x.yaml');
    writeFileSync(path, `${MINIMAL}rollbak: always\n`);
    const err = (await loadExperimentFile(path).catch((e: unknown) => e)) as SpecError;
    expect(err.code).toBe('SQUALL_SPEC_INVALID');
    expect(err.message).toBe(
      `${path}:5:1 rollbak: unknown field 'rollbak' (did you mean 'rollback'?); expected one of: agents, apiVersion, expect, faults, fleet, guards, kind, metadata, phases, probes, rollback, slos, sources, system, vars`,
    );
    expect(basename(err.issues[0]!.file)).toBe('x.yaml');
  });
});

describe('vars', () => {
  const withVars = `apiVersion: squall/v1
kind: Experiment
metadata: { name: vars }
vars:
  devices: 100
  prefix: dev
  wait: 10s
  on: true
fleet:
  devices: \${devices}
  broker: mqtt://127.0.0.1:1883
  username: "\${devices}"
  clientId: "\${prefix}-{index}-\${devices}"
  password: "$\${prefix}"
  clean: \${on}
phases:
  baseline: \${wait}
  recovery: 5s
`;

  it('a whole plain scalar takes the typed value; strings and quoted scalars interpolate', () => {
    const { experiment, vars } = loadExperimentText(withVars, 'v.yaml');
    expect(experiment.fleet).toMatchObject({
      devices: 100,
      username: '100',
      clientId: 'dev-{index}-100',
      password: '${prefix}',
      clean: true,
    });
    expect(experiment.phases.baseline).toBe(10_000);
    expect(vars).toEqual({ devices: 100, prefix: 'dev', wait: '10s', on: true });
  });

  it('--var overrides are read as YAML scalars and land in experiment.vars', () => {
    const { experiment, vars } = loadExperimentText(withVars, 'v.yaml', {
      vars: { devices: '2000', wait: '1m', on: 'false', prefix: '' },
    });
    expect(experiment.fleet).toMatchObject({ devices: 2000, clientId: '-{index}-2000', clean: false });
    expect(experiment.phases.baseline).toBe(60_000);
    expect(vars).toEqual({ devices: 2000, prefix: '', wait: '1m', on: false });
    expect(experiment.vars).toEqual(vars);
  });

  it('an override naming an undeclared var is SQUALL_VAR_INVALID, listing every bad one', () => {
    let err: unknown;
    try {
      loadExperimentText(withVars, 'v.yaml', { vars: { device: '5', nope: '1' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SquallError);
    expect(err).not.toBeInstanceOf(SpecError);
    expect((err as SquallError).code).toBe('SQUALL_VAR_INVALID');
    expect((err as SquallError).message).toBe(
      [
        "--var device=5: v.yaml declares no variable 'device' (did you mean 'devices'?); declared: devices, on, prefix, wait",
        "--var nope=1: v.yaml declares no variable 'nope'; declared: devices, on, prefix, wait",
      ].join('\n'),
    );
  });

  it('an undefined var in a file without vars says none are declared', () => {
    expect(issueLines(`${MINIMAL}fleet: { devices: "\${n}" }\n`, 'n.yaml')).toEqual([
      "n.yaml:5:19 fleet.devices: undefined variable 'n'; no vars are declared (add it under vars:)",
    ]);
  });

  it('an override that makes a field invalid is reported where the var is used', () => {
    const text = `${MINIMAL.replace('recovery: 10s', 'recovery: "${r}"')}vars: { r: 10s }\n`;
    expect(issueLines(text, 'r.yaml', { r: '10' })).toEqual([
      "r.yaml:4:36 phases.recovery: expected a duration such as '250ms', '30s' or '5m', got '10'",
    ]);
  });
});

describe('positions', () => {
  it('points at the value for bad values, the key for unknown keys, the mapping for missing fields', () => {
    const text = `apiVersion: squall/v1
kind: Experiment
metadata:
  name: p
phases:
  baseline: 10x
  recover: 10s
`;
    expect(issueLines(text, 'p.yaml')).toEqual([
      "p.yaml:6:3 phases.recovery: missing required field 'recovery'; expected a duration such as '250ms', '30s' or '5m'",
      "p.yaml:6:13 phases.baseline: expected a duration such as '250ms', '30s' or '5m', got '10x'",
      "p.yaml:7:3 phases.recover: unknown field 'recover' (did you mean 'recovery'?); expected one of: baseline, fault, preflight, recovery",
    ]);
  });

  it('an empty value points at its key', () => {
    const text = `${MINIMAL}faults:\n  - name: f\n    kind: process.kill\n    target:\n`;
    expect(issueLines(text, 'e.yaml')).toEqual([
      'e.yaml:8:5 faults[0].target: expected a mapping, got nothing',
    ]);
  });

  it('aliases resolve to their anchors', () => {
    const text = `apiVersion: squall/v1
kind: Experiment
metadata: { name: a }
phases: { baseline: &ten 10s, recovery: *ten }
`;
    expect(loadExperimentText(text, 'a.yaml').experiment.phases.recovery).toBe(10_000);
  });

  it('a union reports the branch the author meant, or the shapes it accepts', () => {
    const base = `${MINIMAL}system:\n  processes:\n    api:\n      command: [node]\n`;
    expect(issueLines(`${base}      ready: { tcp: "127.0.0.1:1", timout: 1s }\n`, 'u.yaml')).toEqual([
      "u.yaml:9:36 system.processes.api.ready.timout: unknown field 'timout' (did you mean 'timeout'?); expected one of: delay, http, tcp, timeout",
    ]);
    expect(issueLines(`${base}      ready: { delay: 5 }\n`, 'u.yaml')).toEqual([
      "u.yaml:9:23 system.processes.api.ready.delay: expected a duration such as '250ms', '30s' or '5m', got the number 5 (add a unit)",
    ]);
    expect(issueLines(`${base}      ready: {}\n`, 'u.yaml')).toEqual([
      'u.yaml:9:14 system.processes.api.ready: expected one of: { tcp, timeout? }, { http, timeout? }, { delay }',
    ]);
  });

  it('several YAML syntax errors keep the first and drop the parser echo', () => {
    const lines = issueLines('apiVersion: squall/v1\nkind: "Experiment\nmetadata: { name: x }\n', 'y.yaml');
    expect(lines).toEqual(['y.yaml:2:7 invalid YAML: this quote is never closed']);
  });

  it('a key named __proto__ stays a plain field', () => {
    expect(issueLines(`${MINIMAL}__proto__: { x: 1 }\n`, 'proto.yaml')[0]).toMatch(
      /^proto\.yaml:5:1 \["?__proto__"?\]|^proto\.yaml:5:1 __proto__: unknown field '__proto__'/,
    );
  });
});

it('label names the file in issues; LoadedExperiment.file stays the path read', async () => {
  const path = join(validDir, 'minimal.yaml');
  expect((await loadExperimentFile(path, { label: 'm.yaml' })).file).toBe(path);
  const err = (await loadExperimentFile(join(validDir, 'nope.yaml'), { label: 'nope.yaml' }).catch(
    (e: unknown) => e,
  )) as SpecError;
  expect(err.issues[0]!.file).toBe('nope.yaml');
});
