/**
 * The live run page in real Chromium against a real `squall serve` (the CLI, port 0) running a
 * real fleet experiment: 30 MQTT devices publish to aedes (in this process) through a proxy the
 * run takes down for 2 s. While it runs, the SLI charts gain a point per slice and the live SLO
 * table's states change; a browser that joins after the end is sent the whole journal first and
 * draws the same points. Screenshot of the live page (SQUALL_SCREENSHOTS keeps it).
 *
 * Needs Debian's chromium at /usr/bin/chromium (playwright-core never downloads one).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AedesBroker, startAedes } from '../../../simulator/test-support/brokers.js';
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
import { fleetExperiment } from './test-support/room-experiments.js';

describe.skipIf(!haveChromium)('the live run page', () => {
  const room = tempRoom('live');
  let browser: Browser;
  let broker: AedesBroker;
  beforeAll(async () => {
    browser = await launchBrowser();
    broker = await startAedes();
  });
  afterAll(async () => {
    await browser?.close();
    await broker?.close();
    room.remove();
  });

  it('updates SLI charts and SLO states every slice while a fleet experiment runs; a late joiner sees it all', async () => {
    addToLibrary(room.library, 'fleet.yaml', await fleetExperiment('room-fleet', broker.port));
    const serve = await startServe(room.dir);
    const errors: string[] = [];
    try {
      const page = await roomPage(browser, errors);
      const { body } = await api(serve.url, '/api/runs', {
        method: 'POST',
        body: { file: 'fleet.yaml', vars: {} },
      });
      await page.goto(`${serve.url}/#/runs/${body.runId}`);
      const connected = page.locator('[data-chart="fleet-connected"] path[data-series="connected"]');
      const samples: { points: number; states: string }[] = [];
      let shot = false;
      while (samples.length < 200) {
        const state = await page.locator('[data-run-state]').getAttribute('data-run-state');
        const points = (await connected.count()) ? Number(await connected.getAttribute('data-points')) : 0;
        const states = await page
          .locator('tr[data-slo]')
          .evaluateAll((rows) =>
            rows.map((r) => `${r.getAttribute('data-slo')}=${r.getAttribute('data-state')}`).join(' '),
          );
        samples.push({ points, states });
        if (!shot && (await page.locator('[data-fault="uplink-down"][data-fault-state="active"]').count())) {
          shot = true;
          await page.waitForTimeout(1500);
          await page.screenshot({ path: screenshotPath(room.dir, 'live-run'), fullPage: true });
        }
        if (state === 'finished') break;
        await page.waitForTimeout(250);
      }
      const run = await waitFinished(serve.url, body.runId);
      const pointCounts = [...new Set(samples.map((s) => s.points))];
      // A point per slice, seen arriving: at least five different counts, never going back.
      expect(pointCounts.length).toBeGreaterThanOrEqual(5);
      expect(pointCounts).toEqual([...pointCounts].sort((a, b) => a - b));
      // The SLO table follows the run: the run-window SLO moves between states as slices land
      // (met, pending while counts settle, breaching once the loss is counted), and the
      // fault-window SLO joins the table when its window opens, breaching while devices are cut off.
      const statesOf = (slo: string) =>
        new Set(samples.map((x) => new RegExp(`${slo}=(\\w+)`).exec(x.states)?.[1]).filter(Boolean));
      const seen = samples.map((x) => x.states).join('\n');
      expect(statesOf('delivered').size, seen).toBeGreaterThanOrEqual(2);
      expect(
        samples.some((x) => x.states && !x.states.includes('devices-connected')),
        seen,
      ).toBe(true);
      expect(statesOf('devices-connected').has('breaching'), seen).toBe(true);
      expect(shot).toBe(true);

      // A late joiner: the replay draws every slice the journal holds.
      const journal = await (await fetch(`${serve.url}${run.reports.journal}`)).text();
      const slices = journal.split('\n').filter((l) => l.includes('"type":"metrics"')).length;
      const late = await roomPage(browser, errors);
      await late.goto(`${serve.url}/#/runs/${body.runId}`);
      await late.locator('[data-report="report.html"]').waitFor({ timeout: 10_000 });
      await expect
        .poll(async () =>
          Number(
            await late
              .locator('[data-chart="fleet-connected"] path[data-series="connected"]')
              .getAttribute('data-points'),
          ),
        )
        .toBe(slices);
      expect(await late.locator('[data-fault="uplink-down"][data-fault-state="reverted"]').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await closeRoomPages();
      await serve.stop();
    }
  }, 120_000);
});
