/**
 * Debian's Prometheus Alertmanager (/usr/bin/prometheus-alertmanager) on a free loopback port,
 * with a config the test writes, its storage in a temp dir and clustering off. Its own
 * notifications go to `webhookUrl` (send_resolved), so a test can see Alertmanager itself call
 * an alert firing and, later, resolved.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/ports.js';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface Alertmanager {
  url: string;
  /** GET /api/v2/alerts, optionally with `filter` matchers such as `experiment="x"`. */
  alerts(filter?: string[]): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export async function startAlertmanager(webhookUrl: string): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-alertmanager-'));
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    `route:
  receiver: hook
  group_by: [alertname, experiment, slo]
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ${webhookUrl}
        send_resolved: true
`,
  );
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager did not start on ${url}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    async alerts(filter = []) {
      const query = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      const res = await fetch(`${url}/api/v2/alerts${query ? `?${query}` : ''}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as GettableAlert[];
    },
    stop,
  };
}
