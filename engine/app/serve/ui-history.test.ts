/**
 * The control room's history pages in real Chromium against a real `squall serve` (the CLI,
 * port 0): the same experiment run three times from the start page and the API (400 ms of
 * latency on the second breaches its p99 SLO), then the runs list shows them newest first and
 * the experiment page's trend shows three runs with the breach flagged (table, red point,
 * error budget). Also: a server bound to a non-loopback address without --tokens refuses to
 * start (exit 2, a message that says why and what to add).
 *
 * Needs Debian's chromium at /usr/bin/chromium (playwright-core never downloads one).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../history/test-support/quick-run.js';
import {
  addToLibrary,
  api,
  closeRoomPages,
  haveChromium,
  launchBrowser,
  roomPage,
  screenshotPath,
  startServe,
  tempRoom,
  waitFinished,
} from './test-support/control-room.js';
import { proxyExperiment } from './test-support/room-experiments.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

describe('squall serve refuses to be exposed without tokens', () => {
  it('exits 2 on a non-loopback --listen without --tokens, naming the fix', () => {
    const room = tempRoom('exposed');
    try {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'engine/app/cli/bin.ts'),
          'serve',
          '--listen',
          '0.0.0.0:0',
          '--library',
          room.library,
          '--history',
          join(room.dir, 'h.db'),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('refusing to listen on 0.0.0.0');
      expect(r.stderr).toContain('--tokens');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      room.remove();
    }
  });
});

describe.skipIf(!haveChromium)('history in the control room', () => {
  const room = tempRoom('history');
  let browser: Browser;
  let service: Service;
  beforeAll(async () => {
    browser = await launchBrowser();
    service = await startService();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
    room.remove();
  });

  it("runs one experiment three times (one breach); the runs list and the experiment's trend show all three, the breach flagged", async () => {
    const x = await proxyExperiment('room-trend', service.port, {
      kind: 'proxy.latency',
      baseline: '800ms',
      fault: '800ms',
    });
    addToLibrary(room.library, 'trend.yaml', x.yaml);
    const serve = await startServe(room.dir);
    const errors: string[] = [];
    try {
      const page = await roomPage(browser, errors);
      // The first from the start page, as a person would: pick, read the plan, set a var, confirm.
      page.on('dialog', (d) => d.accept());
      await page.goto(`${serve.url}/#/start`);
      await page.check('input[name="file"][value="trend.yaml"]');
      await page.locator('[data-plan-text]').waitFor();
      expect(await page.locator('[data-blast]').textContent()).toContain('api-proxy');
      expect(await page.locator('#var-latency').inputValue()).toBe('1ms');
      await page.click('[data-start]');
      await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/);
      const first = decodeURIComponent(page.url().split('/').pop()!);
      // Two more through the API while the first runs: they queue and run in turn.
      const second = (
        await api(serve.url, '/api/runs', {
          method: 'POST',
          body: { file: 'trend.yaml', vars: { latency: '400ms' } },
        })
      ).body.runId;
      const third = (
        await api(serve.url, '/api/runs', { method: 'POST', body: { file: 'trend.yaml', vars: {} } })
      ).body.runId;
      for (const id of [first, second, third]) await waitFinished(serve.url, id, 60_000);

      await page.goto(`${serve.url}/#/runs`);
      await page.locator('tr[data-run]').nth(2).waitFor();
      const ids = await page
        .locator('tr[data-run]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
      expect(ids).toEqual([third, second, first]);
      expect(await page.locator(`tr[data-run="${second}"] [data-verdict]`).textContent()).toBe('BREACHED');
      expect(await page.locator(`tr[data-run="${first}"] [data-verdict]`).textContent()).toBe('PASSED');
      await page.setViewportSize({ width: 1440, height: 420 });
      await page.screenshot({ path: screenshotPath(room.dir, 'runs'), fullPage: true });
      await page.setViewportSize({ width: 1440, height: 1000 });

      await page.selectOption('select[name="outcome"]', 'slo_breached');
      await page.click('[data-filters] button[type="submit"]');
      await expect.poll(() => page.locator('tr[data-run]').count()).toBe(1);

      await page.goto(`${serve.url}/#/experiments/room-trend`);
      await page.locator('[data-trend-table]').waitFor();
      expect(await page.locator('tr[data-trend-run]').count()).toBe(3);
      expect(
        await page.locator(`tr[data-trend-run="${second}"] [data-slo="fast"] .badge`).textContent(),
      ).toBe('BREACH');
      expect(await page.locator(`tr[data-trend-run="${first}"] [data-slo="fast"] .badge`).count()).toBe(0);
      expect(await page.locator('[data-chart="trend-score"]').getAttribute('data-runs')).toBe('3');
      expect(await page.locator('[data-chart="trend-slo-fast"] circle[data-breach="true"]').count()).toBe(1);
      expect(await page.locator('[data-budget="fast"]').textContent()).toContain('2 of 3');
      // Compare the breach against the run before it.
      await page.selectOption('select[name="a"]', second);
      await page.selectOption('select[name="b"]', first);
      await page.click('[data-compare-form] button');
      await page.locator('[data-compare-result] table').first().waitFor();
      expect(await page.locator('[data-compare-result]').textContent()).toContain('fast');
      await page.screenshot({ path: screenshotPath(room.dir, 'experiment-trend'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await closeRoomPages();
      await serve.stop();
    }
  }, 150_000);
});
