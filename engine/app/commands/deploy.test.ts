/**
 * `squall deploy render` through the CLI: files written or one stream on stdout, the notes, and
 * flags refused before anything is read or written (exit 2, the flag and what it expects).
 * Real certificates from `squall certs init`; the manifests themselves are engine/app/deploy's tests'.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { initCerts } from '../../../agents/certs/cert-files.js';
import type { CliIO } from '../cli/command.js';
import { main } from '../cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const POLICY = join(ROOT, 'docs', 'kubernetes-agent-policy.yaml');
const SUITE = join(ROOT, 'engine', 'app', 'deploy', 'fixtures', 'suites', 'monthly.yaml');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-deploy-cli-'));
  initCerts({
    dir: join(dir, 'certs'),
    agents: ['squall-agent', 'squall-fleet'],
    hosts: { 'squall-fleet': ['squall-fleet-0', 'squall-fleet-1'] },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function squall(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    cwd: dir,
    env: { HOME: dir },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('squall deploy render', () => {
  it('writes one file per component and kustomization.yaml, and says how to apply them', async () => {
    const r = await squall('deploy', 'render', '--policy', POLICY, '--suite', SUITE, '--namespace', 'chaos');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(join(dir, 'k8s')).sort()).toEqual([
      'controller.yaml',
      'fault-agent.yaml',
      'fleet-shards.yaml',
      'kustomization.yaml',
      'namespace.yaml',
      'rbac.yaml',
      'secrets.yaml',
      'serve.yaml',
    ]);
    expect(r.out).toContain('wrote k8s/fault-agent.yaml\n');
    expect(r.out).toMatch(
      /game day 'monthly-k8s': next run \d{4}-\d\d-01T03:00Z \(the schedule is in Etc\/UTC\)/,
    );
    expect(r.out).toContain('apply: kubectl apply -k k8s');
    expect(r.err).toBe('');
  });

  it('--out - writes every object as one YAML stream, notes on stderr, no files', async () => {
    const r = await squall(
      'deploy',
      'render',
      '--policy',
      POLICY,
      '--out',
      '-',
      '--certs',
      join(dir, 'certs'),
    );
    expect(r.code, r.err).toBe(0);
    const kinds = parseAllDocuments(r.out).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds).toContain('DaemonSet');
    expect(kinds).toContain('StatefulSet');
    expect(kinds).not.toContain('CronJob');
    expect(r.err).toBe(
      'note: no --suite: no controller CronJob rendered (squall serve and the agents are)\n',
    );
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it.each([
    [['deploy', 'render'], /--policy is required/],
    [['deploy', 'apply', '--policy', POLICY], /unknown action 'apply'; expected one of: render/],
    [
      ['deploy', 'render', '--policy', POLICY, '--namespace', 'Chaos_1'],
      /--namespace 'Chaos_1': expected a DNS label/,
    ],
    [['deploy', 'render', '--policy', POLICY, '--devices', '0'], /--devices '0': expected a whole number/],
    [['deploy', 'render', '--policy', POLICY, '--devices-per-pod', '2.5'], /--devices-per-pod '2.5'/],
    [
      ['deploy', 'render', '--policy', POLICY, '--schedule', '0 3 1 *'],
      /--schedule '0 3 1 \*': expected five cron fields/,
    ],
    [
      ['deploy', 'render', '--policy', POLICY, '--schedule', '0 25 1 * *'],
      /--schedule '0 25 1 \* \*': .*hour/,
    ],
    [['deploy', 'render', '--policy', POLICY, '--time-zone', 'Mars/Olympus'], /--time-zone 'Mars\/Olympus'/],
    [['deploy', 'render', '--policy', POLICY, '--runs-storage', 'lots'], /--runs-storage 'lots'/],
    [['deploy', 'render', '--policy', POLICY, '--image', 'a b'], /--image 'a b'/],
    [['deploy', 'render', '--policy', 'nope.yaml'], /cannot read policy file .*nope\.yaml/],
    [
      [
        'deploy',
        'render',
        '--policy',
        POLICY,
        '--suite',
        join(ROOT, 'engine/suite/fixtures/experiments/ok.yaml'),
      ],
      /an experiment, not a suite/,
    ],
  ])('refuses %j (exit 2)', async (argv, message) => {
    const before = readdirSync(dir).sort();
    const r = await squall(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain('SQUALL_USAGE');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('an invalid suite is reported as validate reports it, positioned', async () => {
    const broken = join(ROOT, 'engine/suite/fixtures/invalid/bad-pause.yaml');
    const r = await squall('deploy', 'render', '--policy', POLICY, '--suite', broken);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\.yaml:\d+:\d+ /);
  });
});
