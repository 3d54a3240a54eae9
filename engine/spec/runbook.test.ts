/**
 * `metadata.runbook`: found next to the experiment file or at the repository root, a positioned
 * error from `squall validate` when it is in neither. Real files in a temp dir; the repository
 * root is the directory holding `.git` (an empty marker here, as a git worktree's `.git` file).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../app/cli/command.js';
import { main } from '../app/cli/main.js';
import { loadExperimentFile } from '../app/load.js';
import { SpecError } from '../core/errors.js';
import { resolveRunbook } from './runbook.js';

const repo = mkdtempSync(join(tmpdir(), 'squall-runbook-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
writeFileSync(join(repo, '.git'), 'gitdir: elsewhere\n');
mkdirSync(join(repo, 'runbooks'));
mkdirSync(join(repo, 'experiments', 'local'), { recursive: true });
writeFileSync(join(repo, 'runbooks', 'at-root.md'), '# at the root\n');
writeFileSync(join(repo, 'experiments', 'local', 'beside.md'), '# beside the experiment\n');

function experiment(runbook: string): string {
  const file = join(repo, 'experiments', 'local', `x-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `apiVersion: squall/v1\nkind: Experiment\nmetadata:\n  name: x\n  runbook: ${runbook}\nphases: { preflight: 0s, baseline: 1s, recovery: 1s }\n`,
  );
  return file;
}

describe('metadata.runbook', () => {
  it('resolves next to the experiment file, then at the repository root', () => {
    expect(resolveRunbook(experiment('beside.md'), 'beside.md')).toEqual({
      path: join(repo, 'experiments', 'local', 'beside.md'),
      repoPath: 'experiments/local/beside.md',
    });
    expect(resolveRunbook(experiment('runbooks/at-root.md'), 'runbooks/at-root.md')).toEqual({
      path: join(repo, 'runbooks', 'at-root.md'),
      repoPath: 'runbooks/at-root.md',
    });
    expect(
      resolveRunbook(experiment('../../runbooks/at-root.md'), '../../runbooks/at-root.md')?.repoPath,
    ).toBe('runbooks/at-root.md');
    expect(resolveRunbook(experiment('https://wiki.example/rb'), 'https://wiki.example/rb')).toBeUndefined();
  });

  it('loads an experiment whose runbook exists, and rejects one whose runbook is nowhere, positioned', async () => {
    await expect(loadExperimentFile(experiment('runbooks/at-root.md'))).resolves.toBeDefined();
    await expect(loadExperimentFile(experiment('https://wiki.example/rb'))).resolves.toBeDefined();
    const err = await loadExperimentFile(experiment('runbooks/missing.md')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues).toEqual([
      expect.objectContaining({ line: 5, col: 12, path: 'metadata.runbook' }),
    ]);
    expect((err as SpecError).issues[0]!.message).toBe(
      `runbook 'runbooks/missing.md' not found next to the experiment file, nor at the repository root (looked for ${join(repo, 'experiments/local/runbooks/missing.md')} and ${join(repo, 'runbooks/missing.md')}); give a path relative to the experiment file or the repository root, or a URL`,
    );
  });

  it('is checked by squall validate: file:line:col field.path: message, exit 2', async () => {
    const out: string[] = [];
    const io: CliIO = {
      stdout: { write: (c: string) => out.push(c) },
      stderr: { write: (c: string) => out.push(c) },
      cwd: repo,
      env: {},
    };
    const file = experiment('runbooks/missing.md');
    expect(await main(['validate', file], io)).toBe(2);
    expect(out.join('')).toMatch(/:5:12 metadata\.runbook: runbook 'runbooks\/missing\.md' not found/);
  });
});
