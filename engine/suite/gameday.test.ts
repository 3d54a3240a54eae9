/**
 * The library's game day end to end: `squall run experiments/gameday.yaml` at CI scale (200
 * devices, 1 s pauses) on the embedded loopback testbed. Proves the suite runs real library
 * experiments back to back — each standing up and tearing down its own testbed — and that the
 * combined report carries every one of them. Needs: Node only (no root, no mosquitto). ~60 s.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadSuiteFile } from '../app/load.js';
import { ExitCode } from '../core/errors.js';
import { runSuiteCli, type SuiteRun } from './test-support/run-cli.js';

const GAMEDAY = new URL('../../experiments/gameday.yaml', import.meta.url).pathname;
let run: SuiteRun | undefined;
afterAll(() => {
  if (run) rmSync(run.outDir, { recursive: true, force: true });
});

it('gameday.yaml: every experiment passes in order, one combined report', async () => {
  const listed = (await loadSuiteFile(GAMEDAY)).steps.flatMap((s) =>
    s.kind === 'experiment' ? [s.name] : [],
  );
  const started = Date.now();
  run = await runSuiteCli(GAMEDAY, { vars: { pause: '1s' } });
  const r = run;
  console.log(`gameday: ${listed.length} experiments in ${Date.now() - started} ms`);
  expect(r.code, r.output).toBe(ExitCode.ok);
  expect(r.summary).toMatchObject({
    suite: 'monthly-gameday',
    outcome: 'passed',
    runbook: 'runbooks/gameday.md',
  });
  expect(r.summary.experiments.map((e) => [e.name, e.outcome])).toEqual(listed.map((n) => [n, 'passed']));
  for (const [i, e] of r.summary.experiments.entries()) {
    expect(e.dir).toBe(`${String(i + 1).padStart(2, '0')}-${e.name}`);
    expect(existsSync(join(r.outDir, e.dir, 'report.html'))).toBe(true);
    expect(e.slos.length).toBeGreaterThan(0);
    expect(e.slos.every((s) => s.status === 'met')).toBe(true);
  }
  expect(r.junit.match(/<testsuite /g)).toHaveLength(listed.length);
  expect(r.junit).toMatch(/failures="0" errors="0" skipped="0"/);
  expect(readFileSync(join(r.outDir, 'summary.md'), 'utf8')).toMatch(/^## PASSED: monthly-gameday/);
}, 120_000);
