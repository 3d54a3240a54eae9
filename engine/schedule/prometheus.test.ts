/**
 * The "platform unwell" precondition against a real Prometheus: Debian's /usr/bin/prometheus on
 * a free loopback port, scraping itself every second, so `up == 1` returns a series and
 * `up == 0` returns none. Also: a query Prometheus rejects, nothing listening, and a server that
 * accepts and never answers (a Node HTTP server of the test's) — each skips the run, with the
 * reason recorded.
 * Needs: /usr/bin/prometheus (Debian's prometheus package).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../core/ports.js';
import { waitUntil } from '../core/wait.js';
import { readYamlSource } from '../spec/yaml-source.js';
import { scheduleFromSource } from './load.js';
import { checkPreconditions } from './preconditions.js';
import { queryUnwell } from './prometheus.js';

let dir: string;
let prometheus: ChildProcess;
let url: string;
let hanging: Server;
let hangingUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'squall-prom-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: prometheus
    static_configs: [{ targets: ['127.0.0.1:${port}'] }]
`,
  );
  prometheus = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  // Up once it has scraped itself: `up` has a sample.
  const scraped = await waitUntil(
    async () => (await queryUnwell(url, 'up', 1000).catch(() => ({ unwell: false }))).unwell,
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  if (!scraped) throw new Error('prometheus did not scrape itself within 30 s');
  hanging = createServer(() => {}); // accepts, never answers
  hanging.listen(0, '127.0.0.1');
  await once(hanging, 'listening');
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
}, 40_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  if (prometheus && prometheus.exitCode === null) await once(prometheus, 'exit');
  hanging?.closeAllConnections();
  hanging?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('queryUnwell on a real Prometheus', () => {
  it('a query that returns a series means unwell; one that returns none means well', async () => {
    const unwell = await queryUnwell(url, 'up == 1', 2000);
    expect(unwell.unwell).toBe(true);
    expect(unwell.seen).toMatch(/^1 series, e\.g\. up\{instance="127\.0\.0\.1:\d+",job="prometheus"\} = 1$/);
    expect(await queryUnwell(url, 'up == 0', 2000)).toEqual({ unwell: false, seen: 'no series' });
  });

  it('a scalar means unwell when above 0', async () => {
    expect(await queryUnwell(url, 'scalar(up)', 2000)).toEqual({ unwell: true, seen: 'scalar 1' });
    expect(await queryUnwell(url, 'scalar(up) - 1', 2000)).toEqual({ unwell: false, seen: 'scalar 0' });
  });

  it('a query Prometheus rejects, nothing listening, and no answer in time are SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE', async () => {
    await expect(queryUnwell(url, 'up ==', 2000)).rejects.toMatchObject({
      code: 'SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE',
      message: expect.stringMatching(/could not answer 'up ==': status error: .*parse error/),
    });
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expect(queryUnwell(closed, 'up', 2000)).rejects.toMatchObject({
      code: 'SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    const started = performance.now();
    await expect(queryUnwell(hangingUrl, 'up', 300)).rejects.toMatchObject({
      message: expect.stringContaining('no answer within 300 ms'),
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('the prometheus precondition of a schedule', () => {
  const scheduleWith = (base: string, query: string) =>
    scheduleFromSource(
      readYamlSource(
        `apiVersion: squall/v1
kind: Schedule
metadata: { name: guarded }
cron: '0 * * * *'
run: { file: exp.yaml }
preconditions:
  prometheus:
    url: ${base}
    timeout: 500ms
    unwellWhen:
      - { query: 'up == 0', reason: a target is down }
      - { query: '${query}', reason: the test says so }
`,
        'guarded.yaml',
      ),
      join(dir, 'guarded.yaml'),
    );

  it('says ok when no query returns anything, and skips with the first that does', async () => {
    expect(await checkPreconditions(await scheduleWith(url, 'up == 2'), undefined, Date.now())).toEqual({
      ok: true,
    });
    const verdict = await checkPreconditions(await scheduleWith(url, 'up == 1'), undefined, Date.now());
    expect(verdict).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^unwell: the test says so: 'up == 1' returned 1 series, e\.g\. up\{/),
    });
  });

  it('skips when Prometheus cannot say: not knowing counts as unwell', async () => {
    const verdict = await checkPreconditions(await scheduleWith(hangingUrl, 'up'), undefined, Date.now());
    expect(verdict).toEqual({
      ok: false,
      reason: `Prometheus at ${hangingUrl} could not answer 'up == 0': no answer within 500 ms [SQUALL_SCHEDULE_PRECONDITION_UNAVAILABLE]`,
    });
  });
});
