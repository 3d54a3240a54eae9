/**
 * Browser test: opens report.html in headless Chromium, offline, and checks what a game-day
 * audience sees: the verdict banner, every chart (drawn, or an explicit "no data" panel), no
 * console errors and no network request of any kind. Saves screenshots (light, dark) and a PDF
 * into SQUALL_REPORT_SHOTS (a directory) for a human to look at when that is set; otherwise into
 * a temp dir removed after the test.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (CI installs it, .ci/run); skips with a
 * message without it. Uses playwright-core, which never downloads a browser.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const KEEP = process.env.SQUALL_REPORT_SHOTS;
const OUT = KEEP ?? mkdtempSync(join(tmpdir(), 'squall-report-browser-'));

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
    if (!KEEP) rmSync(OUT, { recursive: true, force: true });
  });

  const VERDICTS: Record<string, string> = {
    'demo-breach': 'FAILED',
    'demo-guard': 'ABORTED',
    'demo-truncated': 'INCOMPLETE',
  };

  it.each(Object.keys(VERDICTS))('renders %s offline with the verdict and every chart', async (name) => {
    const run = loadRun(join(FIXTURES, name, 'journal.jsonl'));
    const expectedCharts = buildCharts(run.events);
    mkdirSync(OUT, { recursive: true });
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
    expect(verdict).toBe(VERDICTS[name]);
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
    await page.screenshot({ path: join(OUT, `${name}-light.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(OUT, `${name}-dark.png`), fullPage: true });
    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(OUT, `${name}.pdf`), pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await context.close();
  });
});
