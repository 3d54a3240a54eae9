/**
 * The k6 probe against a stand-in k6 (test-support/bin/k6 → k6-standin.mjs): the k6 binary
 * cannot be installed where these tests run, so a small program writes k6's documented JSON
 * output instead, at a known rate, and reacts to SIGINT as k6 does (writes the rest, exits 0).
 * Everything else is real: the process, its process group and signals, the output file
 * growing while it is tailed. README "k6" says how to run the probe with the real k6.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import type { MetricsSource } from '../core/metrics.js';
import { isRunning } from '../core/processes.js';
import { Probe } from '../spec/schema.js';
import { probeKinds } from './catalog.js';
import type { ProbeContext } from './probe.js';
import { STANDIN_K6 as STANDIN, STANDIN_BIN } from './test-support/standin.js';

let dir: string;
let logs: string[];
let context: ProbeContext;
const sources: MetricsSource[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-k6-'));
  writeFileSync(
    join(dir, 'load.js'),
    "import http from 'k6/http';\nexport default () => http.get('http://x/');\n",
  );
  logs = [];
  context = { runDir: dir, baseDir: dir, sliceMs: 250, log: (m) => logs.push(m) };
});
afterEach(async () => {
  for (const s of sources.splice(0)) await s.stop?.();
  rmSync(dir, { recursive: true, force: true });
});

const kind = probeKinds.get('k6')!;
function parse(params: Record<string, unknown>) {
  const spec = Probe.parse({
    name: 'load',
    kind: 'k6',
    params: { script: 'load.js', k6: STANDIN, ...params },
  });
  return { spec, params: kind.params.parse(spec.params) };
}
function create(params: Record<string, unknown>): MetricsSource {
  const { spec, params: p } = parse(params);
  const source = kind.create(spec, p, context);
  sources.push(source);
  return source;
}
const thrown = (fn: () => unknown): SquallError => {
  try {
    fn();
  } catch (err) {
    return err as SquallError;
  }
  throw new Error('expected an error');
};

describe('k6 probe: finding k6', () => {
  it('finds k6 on PATH', () => {
    const { spec, params } = parse({ k6: undefined });
    const saved = process.env.PATH;
    process.env.PATH = `${STANDIN_BIN}:${saved}`;
    try {
      expect(() => kind.checkHost!(spec, params, context)).not.toThrow();
    } finally {
      process.env.PATH = saved;
    }
  });

  it('fails with SQUALL_K6_NOT_FOUND, saying how to install it, when k6 is not on PATH', () => {
    const { spec, params } = parse({ k6: undefined });
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent/bin:/also/not/here';
    try {
      const err = thrown(() => kind.checkHost!(spec, params, context));
      expect(err).toBeInstanceOf(SquallError);
      expect(err.code).toBe('SQUALL_K6_NOT_FOUND');
      expect(err.exitCode).toBe(4);
      expect(err.message).toContain(
        "probe 'load': k6 not found: no executable 'k6' on PATH (/nonexistent/bin:/also/not/here)",
      );
      expect(err.message).toContain('install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/');
      expect(err.message).toContain("set the probe's `k6:` param to its path");
    } finally {
      process.env.PATH = saved;
    }
  });

  it('fails when the `k6:` path is not an executable, relative paths read from the experiment folder', () => {
    const { spec, params } = parse({ k6: './bin/k6' });
    const err = thrown(() => kind.checkHost!(spec, params, context));
    expect(err.code).toBe('SQUALL_K6_NOT_FOUND');
    expect(err.message).toContain(`'${join(dir, 'bin/k6')}' (its \`k6:\` param) is not an executable file`);
    const script = parse({ script: 'missing.js' });
    expect(thrown(() => kind.checkHost!(script.spec, script.params, context)).message).toContain(
      `k6 script '${join(dir, 'missing.js')}' does not exist`,
    );
  });

  it('rejects bad params at validation', () => {
    expect(kind.params.safeParse({}).success).toBe(false);
    expect(kind.params.safeParse({ script: 'a.js', args: '--vus 2' }).success).toBe(false);
    expect(kind.params.safeParse({ script: 'a.js', stopTimeout: 'soon' }).success).toBe(false);
    expect(kind.params.safeParse({ script: 'a.js', extra: 1 }).success).toBe(false);
  });
});

describe('k6 probe: running k6', () => {
  it('runs k6 with its output in the run dir, the args before the script and the env, and reads every point', async () => {
    const argvFile = join(dir, 'argv.json');
    const source = create({
      args: ['--tag', 'testid=squall'],
      env: { STANDIN_ARGV_FILE: argvFile, STANDIN_RATE: '40', STANDIN_LAG_MS: '100' },
    });
    await source.start!();
    const recorded = JSON.parse(readFileSync(argvFile, 'utf8'));
    const outFile = join(dir, 'k6-load.json');
    expect(recorded.argv).toEqual([
      'run',
      '--out',
      `json=${outFile}`,
      '--quiet',
      '--tag',
      'testid=squall',
      join(dir, 'load.js'),
    ]);
    expect(recorded.cwd).toBe(dir);
    expect(recorded.env.STANDIN_RATE).toBe('40');
    expect(statSync(outFile).mode & 0o777).toBe(0o600);
    await new Promise((r) => setTimeout(r, 600));
    await source.stop!();
    const dated = source.collect().dated ?? [];
    // The stand-in prints how many requests it made; each is one http_req_failed point.
    const made = Number(
      /stand-in k6: (\d+) requests/.exec(readFileSync(join(dir, 'logs/k6-load.log'), 'utf8'))![1],
    );
    const sum = (key: string) => dated.reduce((n, d) => n + (d.counters[key] ?? 0), 0);
    expect(made).toBeGreaterThan(10);
    expect(sum('total')).toBe(made);
    expect(sum('ok')).toBe(made);
    expect(sum('checks_passed')).toBe(made);
    expect(sum('iterations')).toBe(made);
    expect(dated.reduce((n, d) => n + (d.histograms?.latency?.totalCount ?? 0), 0)).toBe(made);
    expect(dated.every((d) => d.startMs % 250 === 0)).toBe(true);
    expect(logs.at(-1)).toMatch(/k6 exited \(code 0, signal null\); \d+ points read/);
  });

  it('keeps back the slice still open and hands over the ones closed', async () => {
    const source = create({ env: { STANDIN_RATE: '100', STANDIN_LAG_MS: '0' } });
    await source.start!();
    await new Promise((r) => setTimeout(r, 700));
    const gridMs = Math.floor(Date.now() / 250) * 250;
    const dated = source.collect().dated ?? [];
    expect(dated.length).toBeGreaterThan(0);
    expect(Math.max(...dated.map((d) => d.startMs))).toBeLessThan(gridMs);
  });

  it('fails the start with k6’s own words when k6 exits before its first point', async () => {
    const source = create({ env: { STANDIN_EXIT_AT_START: '107' } });
    const err = (await Promise.resolve(source.start!()).catch((e: unknown) => e)) as SquallError;
    expect(err.code).toBe('SQUALL_PROBE_FAILED');
    expect(err.message).toContain(
      "k6 probe 'load': k6 exited (code 107, signal null) before writing a point",
    );
    expect(err.message).toContain('SyntaxError: file://load.js');
  });

  it('kills a k6 that writes nothing within startTimeout', async () => {
    const pidFile = join(dir, 'argv.json');
    const source = create({
      startTimeout: '400ms',
      env: { STANDIN_SILENT: '1', STANDIN_ARGV_FILE: pidFile },
    });
    const t0 = performance.now();
    const err = (await Promise.resolve(source.start!()).catch((e: unknown) => e)) as SquallError;
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(err.message).toContain('k6 wrote no point within 400 ms (startTimeout) and was killed');
  });

  it('kills a k6 that does not stop within stopTimeout of SIGINT', async () => {
    const source = create({ stopTimeout: '300ms', env: { STANDIN_IGNORE_SIGINT: '1', STANDIN_LAG_MS: '0' } });
    await source.start!();
    const t0 = performance.now();
    await source.stop!();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(logs.join('\n')).toContain('k6 failed to stop within 300 ms of SIGINT; killing it');
    expect(logs.at(-1)).toContain('signal SIGKILL');
  });

  it('logs a k6 that exits on its own before the run ends', async () => {
    const source = create({ env: { STANDIN_LAG_MS: '0' } });
    await source.start!();
    const pid = Number(/pid (\d+)/.exec(logs.join('\n'))?.[1] ?? Number.NaN);
    expect(isRunning(pid)).toBe(true);
    process.kill(pid, 'SIGTERM');
    await expect
      .poll(() =>
        logs.some((l) =>
          l.includes(
            'exited unexpectedly (code null, signal SIGTERM) before the run ended; its metrics stop here',
          ),
        ),
      )
      .toBe(true);
  });
});
