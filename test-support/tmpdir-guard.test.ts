/**
 * The temp-dir guard (tmpdir-guard.ts) as the test runner uses it: vitest, in a child process,
 * runs a fixture test that leaves a file in os.tmpdir(); the run fails (exit 1) and names the
 * file, and the file is gone afterwards. This test's own temp dir is the one the guard gave the
 * outer run, so it also checks that the child's guard cleaned up after itself.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

it('fails a run that leaves something in the temp dir, names it, and removes it', () => {
  // Other test files of this run share this temp dir: look only at what the child could leave.
  const childs = () => readdirSync(tmpdir()).filter((e) => /^(squall-tests-|forgotten-)/.test(e));
  const before = childs();
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const run = spawnSync(
    process.execPath,
    [vitest, 'run', '--config', join(import.meta.dirname, 'fixtures', 'vitest.config.ts')],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } },
  );
  const output = `${run.stdout}${run.stderr}`;
  expect(output).toMatch(/1 passed/); // the fixture test itself passes...
  expect(run.status, output).toBe(1); // ...the run fails,
  expect(output).toMatch(/tests left 1 entry in the temp dir \(removed now\): forgotten-\d+\.txt/);
  expect(childs()).toEqual(before); // and nothing is left, here either.
}, 60_000);
