import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSuiteFile } from '../app/load.js';
import { formatSpecIssue, SpecError } from '../core/errors.js';
import { knownSliNames } from '../slo/catalog.js';
import { isSuite } from './load.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const invalidDir = join(fixtures, 'invalid');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The issue lines a load throws, as the CLI prints them; the suite is named as `label`. */
async function issueLines(path: string, label: string, vars?: Record<string, string>): Promise<string[]> {
  try {
    await loadSuiteFile(path, { label, vars });
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue);
    throw err;
  }
  return [];
}

describe('suite kind detection', () => {
  it('is a Suite only when the top-level kind says so', () => {
    expect(isSuite({ apiVersion: 'squall/v1', kind: 'Suite' })).toBe(true);
    expect(isSuite({ kind: 'Experiment' })).toBe(false);
    // Left to the experiment loader, whose errors explain these.
    expect(isSuite(null)).toBe(false);
    expect(isSuite([{ kind: 'Suite' }])).toBe(false);
    expect(isSuite({ kind: ['Suite'] })).toBe(false);
  });
});

describe('malformed suites (fixtures/invalid)', () => {
  const files = readdirSync(invalidDir).filter((f) => f.endsWith('.yaml'));

  it('has a .expected for every file', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) expect(readdirSync(invalidDir)).toContain(f.replace(/\.yaml$/, '.expected'));
  });

  it.each(files)('%s reports exactly the expected lines', async (file) => {
    const expected = readFileSync(join(invalidDir, file.replace(/\.yaml$/, '.expected')), 'utf8')
      .replaceAll('{{sliNames}}', knownSliNames().join(', '))
      .split('\n')
      .filter(Boolean);
    expect(await issueLines(join(invalidDir, file), file)).toEqual(expected);
  });

  it('names an unreadable suite file', async () => {
    await expect(loadSuiteFile(join(invalidDir, 'nope.yaml'))).rejects.toMatchObject({
      code: 'SQUALL_SPEC_UNREADABLE',
    });
  });
});

describe('valid suites', () => {
  it('resolves files against the suite, applies vars and --var overrides, keeps pauses in order', async () => {
    const loaded = await loadSuiteFile(join(fixtures, 'valid/two-runs.yaml'), { vars: { slow: '900ms' } });
    expect(loaded.suite.continueOnFailure).toBe(false);
    expect(loaded.steps.map((s) => (s.kind === 'pause' ? `pause ${s.pauseMs}` : s.name))).toEqual([
      'ok',
      'pause 2000',
      'slow',
    ]);
    const slow = loaded.steps[2]!;
    expect(slow).toMatchObject({
      kind: 'experiment',
      file: join(fixtures, 'experiments/ok.yaml'),
      vars: { latency: '900ms' },
    });
  });

  it('loads the library game day, every experiment validated with its vars', async () => {
    const loaded = await loadSuiteFile(join(ROOT, 'experiments/gameday.yaml'), {
      label: 'experiments/gameday.yaml',
      vars: { devices: '50' },
    });
    const experiments = loaded.steps.flatMap((s) => (s.kind === 'experiment' ? [s] : []));
    expect(experiments.length).toBeGreaterThanOrEqual(3);
    for (const e of experiments) {
      expect(e.label).toMatch(/^experiments\/[a-z-]+\.yaml$/);
      expect(e.experiment.fleet?.devices).toBe(50);
    }
    expect(loaded.suite.metadata.runbook).toBe('runbooks/gameday.md');
  });
});
