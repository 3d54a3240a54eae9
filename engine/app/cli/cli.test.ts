/**
 * `squall` as a user runs it: a real process, real signals, real exit codes.
 * Needs: nothing beyond Node (tsx runs the TypeScript entry point).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../../../agents/fixtures/fixtures-dir.js';
import { ExitCode } from '../../core/errors.js';
import { freePort } from '../../core/ports.js';
import { procState } from '../../core/processes.js';
import { waitUntil } from '../../core/wait.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'engine/app/cli/bin.ts');

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number>;
}

function squall(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exit = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  return { child, output: () => out, exit };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('squall CLI', () => {
  it('--version prints the package version (found from wherever the entry point sits)', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = squall(['--version']);
    expect(await run.exit).toBe(0);
    expect(run.output().trim()).toBe(pkg.version);
  });

  it('validate: exit 2 with file:line:col field.path: message for a malformed file', async () => {
    const run = squall(['validate', 'engine/spec/fixtures/invalid/negative-duration.yaml']);
    expect(await run.exit).toBe(ExitCode.invalidInput);
    const expected = readFileSync(
      join(ROOT, 'engine/spec/fixtures/invalid/negative-duration.expected'),
      'utf8',
    );
    for (const line of expected.trim().split('\n')) expect(run.output()).toContain(line.trim());
  });

  it('run: exit 0 when the SLOs hold and exit 1 when one is breached (demo experiment, real service)', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), 'squall-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const demo = 'experiments/demo-latency.yaml';
    const ok = squall([
      'run',
      demo,
      '--var',
      `port=${ports[0]}`,
      '--var',
      `proxyPort=${ports[1]}`,
      '--out',
      join(dir, 'ok'),
      '--junit',
      join(dir, 'ok.xml'),
    ]);
    const breach = squall([
      'run',
      demo,
      '--var',
      `port=${ports[2]}`,
      '--var',
      `proxyPort=${ports[3]}`,
      '--var',
      'latency=600ms',
      '--out',
      join(dir, 'breach'),
    ]);
    const [okCode, breachCode] = await Promise.all([ok.exit, breach.exit]);
    expect(okCode, ok.output()).toBe(ExitCode.ok);
    expect(ok.output()).toContain('PASSED');
    expect(readFileSync(join(dir, 'ok.xml'), 'utf8')).toContain('failures="0"');
    expect(breachCode, breach.output()).toBe(ExitCode.sloBreached);
    expect(breach.output()).toMatch(/fast-enough\s+run\s+\d+ ms\s+<= 500 ms\s+BREACHED/);
    const summary = JSON.parse(readFileSync(join(dir, 'breach', 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('slo_breached');
    expect(summary.faults[0].revertedAt).not.toBeNull();
  }, 60_000);

  it('Ctrl-C during process.pause: the paused process runs again, exit 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-sigint-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ticks = join(dir, 'ticks');
    writeFileSync(ticks, '');
    const ticker = spawn(process.execPath, [join(FIXTURES_DIR, 'ticker.mjs'), ticks], { stdio: 'ignore' });
    cleanups.push(() => {
      try {
        process.kill(ticker.pid!, 'SIGCONT');
      } catch {}
      ticker.kill('SIGKILL');
    });
    const file = join(dir, 'pause.yaml');
    writeFileSync(
      file,
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: pause-then-ctrl-c }
phases: { preflight: 0s, baseline: 200ms, recovery: 1s }
faults:
  - name: freeze
    kind: process.pause
    duration: 60s
    target: { pid: ${ticker.pid} }
`,
    );
    const run = squall(['run', file, '--out', join(dir, 'out')]);
    expect(
      await waitUntil(() => run.output().includes('injected process.pause'), {
        timeoutMs: 20_000,
        intervalMs: 25,
      }),
      'the pause to be injected',
    ).toBe(true);
    expect(procState(ticker.pid!)).toBe('T');
    const frozenSize = statSync(ticks).size;
    run.child.kill('SIGINT');
    expect(await run.exit, run.output()).toBe(ExitCode.aborted);
    expect(procState(ticker.pid!)).not.toBe('T');
    await new Promise((r) => setTimeout(r, 200));
    expect(statSync(ticks).size).toBeGreaterThan(frozenSize);
    expect(run.output()).toContain('SIGINT received');
    expect(existsSync(join(dir, 'out', 'journal.jsonl'))).toBe(true);
    expect(readFileSync(join(dir, 'out', 'journal.jsonl'), 'utf8')).toContain('"type":"fault.reverted"');
  }, 40_000);
});
