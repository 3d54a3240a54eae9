/**
 * Suites end to end: the real CLI runs suites of the demo experiment (a real HTTP service
 * behind Squall's fault proxy, probed five times a second) and we read the combined reports.
 * Proves: experiments run in order into their own directories with pauses between them; the
 * verdict and exit code are the worst of the parts; continueOnFailure; Ctrl-C rolls back the
 * current experiment and skips the rest. Needs: Node only. ~40 s (each demo run is ~11 s).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../core/errors.js';
import { type OutputWatcher, runSuiteCli, type SuiteRun } from './test-support/run-cli.js';

const DEMO = new URL('../../experiments/demo-latency.yaml', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'squall-suite-files-'));
const runs: SuiteRun[] = [];
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const r of runs) rmSync(r.outDir, { recursive: true, force: true });
});

/** A demo run on its own ports (no clash with other tests using the demo's defaults). */
function demo(name: string, port: number, latency = '150ms'): string {
  return `  - file: ${DEMO}\n    name: ${name}\n    vars: { port: ${port}, proxyPort: ${port + 1}, latency: ${latency} }\n`;
}

function suiteFile(name: string, body: string, continueOnFailure: boolean): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `apiVersion: squall/v1\nkind: Suite\nmetadata: { name: ${name} }\nexperiments:\n${body}continueOnFailure: ${continueOnFailure}\n`,
  );
  return path;
}

async function run(file: string, onOutput?: OutputWatcher) {
  const r = await runSuiteCli(file, { onOutput });
  runs.push(r);
  return r;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe.sequential('squall run <suite>', () => {
  it('runs every experiment in order with its pause; the verdict is the worst of the parts', async () => {
    const file = suiteFile(
      'ok-then-slow',
      `${demo('fast', 18691)}  - pause: 1s\n${demo('slow', 18693, '700ms')}`,
      true,
    );
    const r = await run(file);
    expect(r.code, r.output).toBe(ExitCode.sloBreached);
    expect(r.output).toMatch(/\[1\/2\] fast[\s\S]*--- pause 1s before slow[\s\S]*\[2\/2\] slow/);
    expect(r.summary).toMatchObject({
      kind: 'Suite',
      suite: 'ok-then-slow',
      outcome: 'slo_breached',
      exitCode: 1,
      interrupted: false,
      counts: { experiments: 2, passed: 1, failed: 1, skipped: 0 },
    });
    const [fast, slow] = r.summary.experiments;
    expect(fast).toMatchObject({ name: 'fast', dir: '01-fast', outcome: 'passed', exitCode: 0 });
    expect(slow).toMatchObject({ name: 'slow', dir: '02-slow', outcome: 'slo_breached', exitCode: 1 });
    expect(slow!.slos.find((s) => s.name === 'fast-enough')).toMatchObject({ status: 'breached' });
    // Each experiment has its own complete run directory; the pause really separated them.
    for (const e of [fast!, slow!]) {
      for (const f of ['journal.jsonl', 'report.html', 'summary.json', 'junit.xml']) {
        expect(existsSync(join(r.outDir, e.dir, f)), `${e.dir}/${f}`).toBe(true);
      }
    }
    const ended = JSON.parse(readFileSync(join(r.outDir, '01-fast/summary.json'), 'utf8')).endedAt;
    const started = JSON.parse(readFileSync(join(r.outDir, '02-slow/summary.json'), 'utf8')).startedAt;
    expect(Date.parse(started) - Date.parse(ended)).toBeGreaterThanOrEqual(1000);
    // JUnit: one testsuite per experiment, the breach a failure of the second.
    expect(r.junit.match(/<testsuite /g)).toHaveLength(2);
    expect(r.junit).toMatch(/<testsuite name="slow" tests="3" failures="1"/);
    expect(r.junit).toMatch(/<testsuite name="fast" tests="3" failures="0"/);
    const md = readFileSync(join(r.outDir, 'summary.md'), 'utf8');
    expect(md).toMatch(/^## FAILED: ok-then-slow/);
    expect(md).toContain('[02-slow/report.html](02-slow/report.html)');
    expect(readFileSync(join(r.outDir, 'report.html'), 'utf8')).toContain('data-verdict="FAILED"');
  }, 60_000);

  it('stops after a failure unless continueOnFailure, and records what it skipped', async () => {
    const file = suiteFile(
      'stop-early',
      `${demo('slow', 18693, '700ms')}  - pause: 1s\n${demo('fast', 18691)}`,
      false,
    );
    const r = await run(file);
    expect(r.code, r.output).toBe(ExitCode.sloBreached);
    expect(r.summary.counts).toEqual({ experiments: 2, passed: 0, failed: 1, skipped: 1 });
    expect(r.summary.experiments[1]).toMatchObject({
      name: 'fast',
      status: 'skipped',
      exitCode: null,
      skipReason: "'slow' failed (exit 1) and continueOnFailure is false",
    });
    expect(existsSync(join(r.outDir, '02-fast'))).toBe(false);
    expect(r.junit).toMatch(/<testsuite name="fast" tests="1" failures="0" errors="0" skipped="1"/);
    expect(r.junit).toContain(
      '<skipped message="&apos;slow&apos; failed (exit 1) and continueOnFailure is false"/>',
    );
  }, 40_000);

  it('Ctrl-C rolls back the running experiment, skips the rest and exits 3', async () => {
    const file = suiteFile(
      'interrupted',
      `${demo('first', 18695)}  - pause: 1s\n${demo('second', 18691)}`,
      true,
    );
    let sent = false;
    const r = await run(file, (text, child) => {
      // Mid-fault: the latency toxic is in place when the operator gives up.
      if (!sent && text.includes("+ injected proxy.latency 'slow-path'")) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code, r.output).toBe(ExitCode.aborted);
    expect(r.summary).toMatchObject({ outcome: 'aborted', interrupted: true });
    expect(r.summary.experiments.map((e) => [e.name, e.status, e.outcome])).toEqual([
      ['first', 'ran', 'aborted'],
      ['second', 'skipped', null],
    ]);
    expect(r.summary.experiments[1]!.skipReason).toBe('the suite was interrupted by the operator');
    // The fault was reverted, and the experiment's service and proxy are gone.
    const journal = readFileSync(join(r.outDir, '01-first/journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"fault.reverted"');
    expect(await portFree(18695)).toBe(true);
    expect(await portFree(18696)).toBe(true);
    expect(readFileSync(join(r.outDir, 'summary.md'), 'utf8')).toContain('Interrupted by the operator');
  }, 40_000);
});
