/**
 * Browser test: opens report.html in headless Chromium, offline, and checks what a game-day
 * audience sees: the verdict banner, every chart (drawn, or an explicit "no data" panel), no
 * console errors and no network request of any kind. Renders screenshots (light, dark) and a
 * PDF into a temp dir it removes afterwards.
 *
 * To keep the screenshots of the showcase runs (SHOWCASE: the demo and a fleet run; the ones
 * committed under docs/screenshots), give a path prefix:
 *   SQUALL_SCREENSHOTS=docs/screenshots/report-after npx vitest run reports/html/browser.test.ts
 * writes docs/screenshots/report-after-<run>-light.png and -dark.png. SQUALL_SCREENSHOT_FLEET=
 * <journal> renders that journal instead of the stored fleet fixture (a fresh run's, so the
 * screenshots show today's engine; reports/tools/screenshots.sh does both in one command).
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (CI installs it, .ci/run); skips with a
 * message without it. Uses playwright-core, which never downloads a browser.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../series.js';
import { loadRun } from '../write.js';
import { renderHtml } from './page.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`skipping the report.html browser test: ${CHROMIUM} not found (apt-get install chromium)`);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const OUT = mkdtempSync(join(tmpdir(), 'squall-report-browser-'));
const KEEP = process.env.SQUALL_SCREENSHOTS ? resolve(process.env.SQUALL_SCREENSHOTS) : undefined;
const FRESH_FLEET = process.env.SQUALL_SCREENSHOT_FLEET;
const SHOWCASE = new Set(['demo-breach', 'fleet-small-queue']);
/** Where a screenshot goes: the kept prefix for a showcase run when asked, else the temp dir. */
const shot = (name: string, scheme: string) =>
  KEEP && SHOWCASE.has(name) ? `${KEEP}-${name}-${scheme}.png` : join(OUT, `${name}-${scheme}.png`);
const journalOf = (name: string) =>
  name === 'fleet-small-queue' && FRESH_FLEET ? resolve(FRESH_FLEET) : join(FIXTURES, name, 'journal.jsonl');

describe.skipIf(!haveChromium)('report.html in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(OUT, { recursive: true, force: true });
  });

  const VERDICTS: Record<string, string> = {
    'demo-pass': 'PASSED',
    'demo-breach': 'FAILED',
    'demo-guard': 'ABORTED',
    'demo-truncated': 'INCOMPLETE',
    'fleet-small-queue': 'FAILED',
  };

  it.each(Object.keys(VERDICTS))('renders %s offline with the verdict and every chart', async (name) => {
    const run = loadRun(journalOf(name));
    const expectedCharts = buildCharts(run.events);
    if (KEEP) mkdirSync(dirname(KEEP), { recursive: true });
    const file = join(OUT, `${name}.html`);
    writeFileSync(file, renderHtml(run.summary, run.events));

    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const verdict = await page.locator('[data-verdict]').textContent();
    // A fresh run's verdict is whatever today's engine says; the fixtures' are known.
    if (journalOf(name).startsWith(FIXTURES)) expect(verdict).toBe(VERDICTS[name]);
    else expect(verdict).toBeTruthy();
    // Guard trips are drawn where they happened, on the timeline and every drawn chart.
    const guardLines = await page.locator('line.guard-line').count();
    if (name === 'demo-guard') expect(guardLines).toBeGreaterThan(1);
    else expect(guardLines).toBe(0);
    if (name === 'demo-truncated') await expect(page.locator('[data-incomplete]').count()).resolves.toBe(1);

    const ids = await page
      .locator('figure[data-chart]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));
    expect(ids).toEqual(['timeline', ...expectedCharts.map((c) => c.id)]);
    for (const chart of expectedCharts) {
      const figure = page.locator(`figure[data-chart="${chart.id}"]`);
      await expect(figure.isVisible()).resolves.toBe(true);
      if (chart.noData) {
        await expect(figure.locator('.no-data-panel').textContent()).resolves.toContain(
          'no data for this run',
        );
      } else {
        // Drawn: each series is a path with real extent on screen.
        const boxes = await figure
          .locator('path.series')
          .evaluateAll((els) =>
            els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width),
          );
        expect(boxes.length).toBe(chart.series.length);
        for (const w of boxes) expect(w).toBeGreaterThan(0);
      }
    }
    await page.screenshot({ path: shot(name, 'light'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: shot(name, 'dark'), fullPage: true });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(OUT, `${name}.pdf`), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await context.close();
  });
});
