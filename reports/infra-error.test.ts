/**
 * A run that ends with an infrastructure error (exit 4) names its cause in every report:
 * summary.md, junit.xml (an `<error>` with the code as type, read by junit2json), report.html's
 * banner and the postmortem; none of them calls the journal incomplete. Once from the stored
 * journal of a real run (reports/fixtures/process-fails), once from a run made here: the real
 * CLI in a child process, an experiment whose managed process's script does not exist.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, type TestSuites } from 'junit2json';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../engine/core/errors.js';
import { freePort } from '../engine/core/ports.js';
import { errorCause } from './error-cause.js';
import { reportFormats } from './formats/catalog.js';
import { loadRun } from './write.js';

const ROOT = new URL('../', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'squall-infra-error-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CAUSE = /SQUALL_PROCESS_FAILED.*process 'api' exited .* before it was ready: Error: Cannot find module/;

/** Checks every format for the cause; `files` maps a file name to its text. */
async function expectCauseEverywhere(files: (name: string) => string) {
  const md = files('summary.md');
  expect(md).toMatch(/> \*\*Infrastructure error\*\* `SQUALL_PROCESS_FAILED`: process 'api' exited/);
  expect(md).toContain("Error: Cannot find module '");
  expect(md).not.toMatch(/incomplete/i);

  const junit = (await parse(files('junit.xml'))) as TestSuites;
  expect(junit).toMatchObject({ tests: 1, failures: 0, errors: 1 });
  const run = junit.testsuite![0]!.testcase!.find((c) => c.name === 'run completed')!;
  expect(run.failure).toBeUndefined();
  expect(run.error![0]!.type).toBe('SQUALL_PROCESS_FAILED');
  expect(run.error![0]!.message).toMatch(CAUSE);
  // The body keeps the process's last log lines.
  expect(run.error![0]!.inner).toContain('MODULE_NOT_FOUND');

  const html = files('report.html');
  expect(html).toContain('data-verdict="ERROR"');
  expect(html).toMatch(
    /<div class="infra-error" role="alert" data-error-code="SQUALL_PROCESS_FAILED"><strong>Infrastructure error<\/strong> <code>SQUALL_PROCESS_FAILED<\/code>: process &apos;api&apos; exited [^<]*Error: Cannot find module/,
  );
  expect(html).not.toContain('data-incomplete');

  expect(files('postmortem.md')).toMatch(
    /ended with an \*\*infrastructure error\*\* \(`SQUALL_PROCESS_FAILED`\): process 'api' exited .*Cannot find module/,
  );
}

describe('a run that ends with an infrastructure error', () => {
  it('names the cause in every report (stored journal of a real run)', async () => {
    const { summary, events } = loadRun(join(ROOT, 'reports/fixtures/process-fails/journal.jsonl'));
    expect(summary).toMatchObject({ complete: true, problems: [], outcome: 'error', exitCode: 4 });
    expect(summary.infrastructureError?.code).toBe('SQUALL_PROCESS_FAILED');
    const byFile = new Map(reportFormats.values().map((f) => [f.fileName, f.render(summary, events)]));
    await expectCauseEverywhere((name) => byFile.get(name)!);
  });

  it('names the cause in every report written by squall run (exit 4)', async () => {
    const port = await freePort();
    const file = join(tmp, 'process-fails.yaml');
    const spec = readFileSync(join(ROOT, 'reports/fixtures/process-fails.yaml'), 'utf8');
    writeFileSync(file, spec.replace('port: 18590', `port: ${port}`));
    const out = join(tmp, 'run');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'engine/app/cli/bin.ts'), 'run', file, '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(ExitCode.infrastructure);
    expect(output).toContain("Error: Cannot find module '");
    await expectCauseEverywhere((name) => readFileSync(join(out, name), 'utf8'));
  }, 60_000);
});

describe('errorCause', () => {
  it('appends the error line of a dead process to the first line of the message', () => {
    const python = [
      "process 'ingest' exited (code 1, signal null) before it was ready; last lines of /x/ingest.log:",
      '  | Traceback (most recent call last):',
      '  |   File "/srv/ingest.py", line 1, in <module>',
      "  | ModuleNotFoundError: No module named 'flask'",
    ].join('\n');
    expect(errorCause(python)).toBe(
      "process 'ingest' exited (code 1, signal null) before it was ready: ModuleNotFoundError: No module named 'flask'",
    );
    expect(errorCause('agent edge-1 did not answer within 5000 ms')).toBe(
      'agent edge-1 did not answer within 5000 ms',
    );
    expect(errorCause("proxy 'api' could not listen\n  | panic: address in use")).toBe(
      "proxy 'api' could not listen: panic: address in use",
    );
  });
});
