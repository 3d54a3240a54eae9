/**
 * Debian's real Prometheus (/usr/bin/prometheus) for tests: started on a free loopback port with
 * a config the test writes (1 s scrapes of the targets given), its TSDB in a temp dir, ready
 * when /-/ready says so; stopped and its dir removed by `stop`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/ports.js';
import { waitUntil } from '../../core/wait.js';

export interface ScrapeJob {
  job: string;
  /** `127.0.0.1:9100` */
  targets: string[];
  metricsPath?: string;
}

export interface TestPrometheus {
  readonly url: string;
  /** Waits until every target of the jobs has been scraped up at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(jobs: readonly ScrapeJob[]): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.job)}`,
      ...(j.metricsPath ? [`    metrics_path: ${JSON.stringify(j.metricsPath)}`] : []),
      '    static_configs:',
      `      - targets: ${JSON.stringify(j.targets)}`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null) return true;
      return fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  if (!ready || child.exitCode !== null) {
    await stop();
    throw new Error(`prometheus did not get ready on ${url}: ${stderr}`);
  }
  return {
    url,
    async waitForTargetsUp(timeoutMs = 30_000) {
      const wanted = jobs.reduce((n, j) => n + j.targets.length, 0);
      const up = await waitUntil(
        async () => {
          const body = (await (await fetch(`${url}/api/v1/query?query=sum(up)`)).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          return Number(body.data.result[0]?.value[1] ?? 0) >= wanted;
        },
        { timeoutMs, intervalMs: 200 },
      );
      if (!up)
        throw new Error(`prometheus at ${url}: not every target was scraped up within ${timeoutMs} ms`);
    },
    stop,
  };
}
