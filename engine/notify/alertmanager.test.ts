// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${latency} is experiment text.
/**
 * `squall run --notify FILE` end to end, against Debian's real Alertmanager: a run that breaches
 * a P1 SLO raises an alert with the labels experiment, slo and severity; a later run of the same
 * experiment that meets the SLO resolves it (gone from GET /api/v2/alerts, and Alertmanager's
 * own webhook says `resolved`). A second receiver routed the same alerts is down the whole time:
 * the runs still end with their own exit codes and the undelivered alert is logged.
 * Needs: /usr/bin/prometheus-alertmanager (Debian's prometheus-alertmanager); the runs use a
 * real HTTP service (testbed/services/http-service.mjs) behind Squall's fault proxy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../reports/write.js';
import type { CliIO } from '../app/cli/command.js';
import { main } from '../app/cli/main.js';
import { ExitCode } from '../core/errors.js';
import { freePort } from '../core/ports.js';
import { type Alertmanager, startAlertmanager } from './test-support/alertmanager.js';
import { type ReceiverServer, startReceiverServer } from './test-support/receiver-server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'squall-notify-am-'));
let am: Alertmanager;
let amHook: ReceiverServer;
let experimentFile: string;
let notifyFile: string;

beforeAll(async () => {
  amHook = await startReceiverServer();
  am = await startAlertmanager(`${amHook.url}/alertmanager`);
  const [port, proxyPort, closedPort] = [await freePort(), await freePort(), await freePort()];
  experimentFile = join(dir, 'notify-demo.yaml');
  writeFileSync(
    experimentFile,
    `apiVersion: squall/v1
kind: Experiment
metadata: { name: notify-demo }
vars: { latency: 400ms }
system:
  processes:
    api:
      command: [node, ${join(ROOT, 'testbed/services/http-service.mjs')}, "${port}"]
      ready: { tcp: "127.0.0.1:${port}", timeout: 10s }
  proxies:
    api-proxy: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${port}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 2s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 1s, baseline: 1s, recovery: 1s }
faults:
  - name: slow
    kind: proxy.latency
    duration: 1500ms
    target: { proxy: api-proxy }
    params: { latency: "\${latency}", stream: downstream }
slos:
  - { name: fast-enough, sli: latency_p99, source: api, objective: "<= 250ms", severity: P1 }
  - { name: available, sli: success_ratio, source: api, objective: ">= 90%" }
`,
  );
  notifyFile = join(dir, 'notify.yaml');
  writeFileSync(
    notifyFile,
    `apiVersion: squall/v1
kind: Notify
receivers:
  pager: { kind: alertmanager, url: "${am.url}" }
  down: { kind: webhook, url: "http://127.0.0.1:${closedPort}/hook", secret: not-used }
routes:
  - { severity: [P1, P2], receivers: [pager, down] }
delivery: { attempts: 3, backoff: 50ms, flushTimeout: 5s }
`,
  );
});

afterAll(async () => {
  await am?.stop();
  await amHook?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function squallRun(name: string, latency: string) {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    cwd: ROOT,
    env: process.env,
  };
  const outDir = join(dir, name);
  const t0 = performance.now();
  const code = await main(
    [
      'run',
      experimentFile,
      '--out',
      outDir,
      '--notify',
      notifyFile,
      '--no-history',
      '--var',
      `latency=${latency}`,
    ],
    io,
  );
  return {
    code,
    out,
    err,
    wallMs: performance.now() - t0,
    summary: loadRun(join(outDir, 'journal.jsonl')).summary,
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LABELS = {
  alertname: 'SquallSloBreached',
  experiment: 'notify-demo',
  slo: 'fast-enough',
  severity: 'P1',
};
const FILTER = ['alertname="SquallSloBreached"', 'experiment="notify-demo"', 'slo="fast-enough"'];

describe('squall run --notify with Alertmanager', () => {
  it('a breached run raises the alert with its labels and severity; a later passing run resolves it', async () => {
    const breached = await squallRun('breach', '400ms');
    expect(breached.code, breached.out + breached.err).toBe(ExitCode.sloBreached);
    expect(breached.summary.severity.level).toBe('P1');
    const [alert] = await until('the alert in Alertmanager', async () => {
      const found = await am.alerts(FILTER);
      return found.length > 0 ? found : undefined;
    });
    expect(alert!.labels).toEqual(LABELS);
    expect(alert!.status.state).toBe('active');
    expect(alert!.annotations.description).toMatch(/^'fast-enough' breached: latency_p99 \d+ ms > 250 ms/);
    // Firing until a later run resolves it, for alertTtl (24 h by default), not resolve_timeout.
    const ttlHours = (Date.parse(alert!.endsAt) - Date.now()) / 3_600_000;
    expect(ttlHours).toBeGreaterThan(23.9);
    expect(ttlHours).toBeLessThanOrEqual(24);
    // The receiver that is down was retried, then logged; it changed nothing about the run.
    expect(breached.err).toMatch(
      /alert 'notify-demo: FAILED' not delivered to receiver 'down' after 3 attempt\(s\): 127\.0\.0\.1:\d+: ECONNREFUSED \[SQUALL_NOTIFY_UNDELIVERED\]/,
    );
    expect(breached.err).toMatch(/notifications \(.*notify\.yaml\): 1 delivered, 1 undelivered/);
    expect(breached.wallMs - breached.summary.durationMs!).toBeLessThan(5000);
    const fired = await until('Alertmanager to notify the firing alert', async () =>
      amHook.accepted.map((b) => JSON.parse(b)).find((b) => b.status === 'firing'),
    );
    expect(fired.alerts[0].labels).toEqual(LABELS);

    const passed = await squallRun('pass', '1ms');
    expect(passed.code, passed.out + passed.err).toBe(ExitCode.ok);
    expect(passed.summary.severity.level).toBe('P4');
    await until('the alert to be resolved', async () =>
      (await am.alerts(FILTER)).length === 0 ? true : undefined,
    );
    const resolved = await until('Alertmanager to notify the resolution', async () =>
      amHook.accepted.map((b) => JSON.parse(b)).find((b) => b.status === 'resolved'),
    );
    expect(resolved.alerts.map((a: { labels: unknown; status: string }) => [a.status, a.labels])).toEqual([
      ['resolved', LABELS],
    ]);
    // The run with nothing wrong reached no receiver that does not take resolved alerts.
    expect(passed.err).not.toContain("receiver 'down'");
  });
});
