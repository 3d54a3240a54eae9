/**
 * The run's Prometheus metrics: what `createRunMetrics` exposes for a run's events and
 * scoreboard rows, and a real `squall run --metrics-listen` (main(), in this process) scraped
 * while it runs — a managed HTTP server behind a fault proxy, a probe through it, a
 * `proxy.down` fault — each scrape piped to Debian's `promtool check metrics` (exit 0, no
 * lint output) and its values followed through the phases and the fault.
 * Needs: /usr/bin/promtool.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../core/journal-events.js';
import { freePort } from '../core/ports.js';
import { main } from './cli/main.js';
import { createRunMetrics } from './metrics-exposition.js';
import { parseListenAddress } from './metrics-listen.js';

function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `name{labels} value` lines → value by series (labels as written by prom-client). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const ev = (e: Record<string, unknown>, t: number) => ({ seq: 0, t, ...e }) as unknown as JournalEvent;

describe('createRunMetrics', () => {
  it('follows phases, faults, guard trips, the scoreboard and the outcome; promtool finds nothing to say', async () => {
    const registry = new Registry();
    const m = createRunMetrics(registry);
    const t0 = Date.now() - 5000;
    m.onEvent(ev({ type: 'run.start', runId: 'r', experiment: 'x' }, t0));
    m.onEvent(ev({ type: 'phase', phase: 'fault' }, t0 + 1000));
    m.onEvent(ev({ type: 'fault.injected', faultId: 'f1', name: 'cut' }, t0 + 1000));
    m.onEvent(ev({ type: 'guard.tripped', guard: 'g', reason: 'r' }, t0 + 1500));
    m.onScoreboard([
      {
        name: 'api',
        sli: 'success_ratio',
        window: 'run',
        objective: '>= 99%',
        state: 'breaching',
        value: 0.5,
        unit: 'ratio',
        budgetRemaining: -49,
      },
      {
        name: 'lat',
        sli: 'latency_p99',
        window: 'fault',
        objective: '<= 500ms',
        state: 'met',
        value: 250,
        unit: 'ms',
        budgetRemaining: 1,
      },
    ]);
    let s = samples(await registry.metrics());
    expect(s.get('squall_run_active')).toBe(1);
    expect(s.get('squall_run_phase{phase="fault"}')).toBe(1);
    expect(s.get('squall_run_phase{phase="baseline"}')).toBe(0);
    expect(s.get('squall_faults_active')).toBe(1);
    expect(s.get('squall_guard_trips_total')).toBe(1);
    expect(s.get('squall_sli_value{slo="api",window="run"}')).toBe(0.5);
    expect(s.get('squall_sli_value{slo="lat",window="fault"}')).toBe(0.25); // seconds
    expect(s.get('squall_slo_breaching{slo="api",window="run"}')).toBe(1);
    expect(s.get('squall_slo_budget_remaining_ratio{slo="api",window="run"}')).toBe(-49);
    expect(s.get('squall_run_elapsed_seconds')).toBeGreaterThanOrEqual(5);

    m.onEvent(ev({ type: 'fault.reverted', faultId: 'f1' }, t0 + 2000));
    m.onEvent(ev({ type: 'run.end', exitCode: 1, outcome: 'slo_breached' }, t0 + 4000));
    const text = await registry.metrics();
    s = samples(text);
    expect(s.get('squall_faults_active')).toBe(0);
    expect(s.get('squall_run_active')).toBe(0);
    expect(s.get('squall_runs_total{outcome="slo_breached"}')).toBe(1);
    expect(s.get('squall_runs_total{outcome="passed"}')).toBe(0);
    expect(s.get('squall_run_duration_seconds_sum')).toBe(4);
    expect(s.get('squall_run_phase{phase="done"}')).toBe(1);
    expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
  });

  it('parses listen addresses and refuses others', () => {
    expect(parseListenAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(() => parseListenAddress('9464')).toThrow(/expected 'host:port'/);
    expect(() => parseListenAddress('h:70000')).toThrow(/expected 'host:port'/);
  });
});

describe('squall run --metrics-listen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-metrics-listen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves metrics promtool accepts while the run goes on, which follow its phases and its fault', async () => {
    const [apiPort, proxyPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const server = `require('http').createServer((q,s)=>s.end('ok')).listen(${apiPort},'127.0.0.1')`;
    writeFileSync(
      join(dir, 'x.yaml'),
      `apiVersion: squall/v1
kind: Experiment
metadata: { name: metrics-listen }
system:
  processes:
    api:
      command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(server)}]
      ready: { tcp: "127.0.0.1:${apiPort}", timeout: 10s }
  proxies:
    api-proxy: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${apiPort}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 300ms, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 1s, baseline: 3s, recovery: 3s }
faults:
  - { name: cut, kind: proxy.down, at: +0s, duration: 3s, target: { proxy: api-proxy } }
slos:
  - { name: api-ok, sli: success_ratio, source: api, objective: ">= 99%", window: fault, expect: breached }
`,
    );
    let err = '';
    const cli = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      cwd: dir,
      env: {},
    };
    const run = main(
      ['run', 'x.yaml', '--out', 'runs/one', '--metrics-listen', `127.0.0.1:${metricsPort}`],
      cli,
    );
    let done = false;
    void run.finally(() => {
      done = true;
    });
    const scrapes: string[] = [];
    while (!done) {
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
        (r) => r.text(),
        () => undefined,
      );
      if (text) scrapes.push(text);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await run, err).toBe(0);
    expect(err).toContain(`metrics: http://127.0.0.1:${metricsPort}/metrics`);
    expect(scrapes.length).toBeGreaterThan(10);
    for (const text of scrapes) expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });

    const seen = scrapes.map(samples);
    const phaseOf = (s: Map<string, number>) =>
      [...s].find(([k, v]) => k.startsWith('squall_run_phase{') && v === 1)?.[0].match(/phase="(\w+)"/)?.[1];
    const phases = [...new Set(seen.map(phaseOf))];
    expect(phases).toEqual(expect.arrayContaining(['preflight', 'baseline', 'fault', 'recovery']));
    expect(phases.indexOf('baseline')).toBeLessThan(phases.indexOf('fault'));
    // The fault is active exactly while the fault phase is current.
    for (const s of seen) {
      if (phaseOf(s) === 'baseline' || phaseOf(s) === 'recovery')
        expect(s.get('squall_faults_active')).toBe(0);
    }
    expect(seen.some((s) => phaseOf(s) === 'fault' && s.get('squall_faults_active') === 1)).toBe(true);
    expect(
      seen.every(
        (s) => s.get('squall_run_active') === 1 || phaseOf(s) === undefined || phaseOf(s) === 'done',
      ),
    ).toBe(true);
    // The fault window's SLO: probes fail through the cut proxy, so it breaches and its budget goes.
    const fault = seen.filter((s) => s.has('squall_sli_value{slo="api-ok",window="fault"}'));
    expect(fault.length).toBeGreaterThan(0);
    const last = fault.at(-1)!;
    expect(last.get('squall_sli_value{slo="api-ok",window="fault"}')).toBeLessThan(0.5);
    expect(last.get('squall_slo_breaching{slo="api-ok",window="fault"}')).toBe(1);
    expect(last.get('squall_slo_budget_remaining_ratio{slo="api-ok",window="fault"}')).toBeLessThan(0);
    expect(seen.some((s) => s.get('squall_faults_injected_total') === 1)).toBe(true);
  }, 60_000);
});
