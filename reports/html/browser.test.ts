/**
 * Browser test: opens report.html in headless Chromium, offline, and checks what a game-day
 * audience sees: the verdict banner, every chart with data drawn (the others named in one
 * line), no chart label cut off or covering another, no console errors and no network request
 * of any kind. Renders screenshots (light, dark) and a
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
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../series.js';
import { buildSummary } from '../summary.js';
import { loadRun } from '../write.js';
import { renderHtml } from './page.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`skipping the report.html browser test: ${CHROMIUM} not found (apt-get install chromium)`);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const OUT = mkdtempSync(join(tmpdir(), 'squall-report-browser-'));
const KEEP = process.env.SQUALL_SCREENSHOTS ? resolve(process.env.SQUALL_SCREENSHOTS) : undefined;
afterAll(() => rmSync(OUT, { recursive: true, force: true }));
const FRESH_FLEET = process.env.SQUALL_SCREENSHOT_FLEET;
const SHOWCASE = new Set(['demo-breach', 'fleet-small-queue']);
/** Where a screenshot goes: the kept prefix for a showcase run when asked, else the temp dir. */
const shot = (name: string, scheme: string) =>
  KEEP && SHOWCASE.has(name) ? `${KEEP}-${name}-${scheme}.png` : join(OUT, `${name}-${scheme}.png`);
const journalOf = (name: string) =>
  name === 'fleet-small-queue' && FRESH_FLEET ? resolve(FRESH_FLEET) : join(FIXTURES, name, 'journal.jsonl');

/**
 * Every SVG label as laid out by Chromium: one that reaches outside its drawing (cut off) or
 * covers another label of the same drawing (unreadable), as `chart: text`.
 */
async function clippedOrOverlappingLabels(page: Page): Promise<string[]> {
  return page.locator('figure[data-chart] svg').evaluateAll((svgs) => {
    type Box = { x: number; y: number; width: number; height: number };
    const out: string[] = [];
    for (const svg of svgs) {
      const chart = svg.closest('figure')?.getAttribute('data-chart');
      const [, , w, h] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
      const texts = [...svg.querySelectorAll('text')].map((t) => ({
        text: t.textContent ?? '',
        box: (t as unknown as { getBBox(): Box }).getBBox(),
      }));
      for (const { text, box } of texts) {
        if (box.x < 0 || box.y < 0 || box.x + box.width > w! + 0.5 || box.y + box.height > h! + 0.5)
          out.push(`${chart}: '${text}' is cut off`);
      }
      texts.forEach((a, i) => {
        for (const b of texts.slice(i + 1)) {
          const overlap =
            a.box.x < b.box.x + b.box.width - 1 &&
            b.box.x < a.box.x + a.box.width - 1 &&
            a.box.y < b.box.y + b.box.height - 1 &&
            b.box.y < a.box.y + a.box.height - 1;
          if (overlap) out.push(`${chart}: '${a.text}' covers '${b.text}'`);
        }
      });
    }
    return out;
  });
}

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
  });

  const VERDICTS: Record<string, string> = {
    'demo-pass': 'PASSED',
    'demo-breach': 'FAILED',
    'demo-guard': 'ABORTED',
    'demo-truncated': 'INCOMPLETE',
    'fleet-small-queue': 'BREACHED AS EXPECTED',
    'fleet-undated': 'FAILED',
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

    // Only charts with data are drawn; the rest are named in one line, not an empty panel each.
    const drawn = expectedCharts.filter((c) => !c.noData);
    const ids = await page
      .locator('figure[data-chart]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));
    expect(ids).toEqual(['timeline', ...drawn.map((c) => c.id)]);
    const omitted = expectedCharts.length - drawn.length;
    await expect(page.locator(`[data-not-charted="${omitted}"]`).count()).resolves.toBe(omitted ? 1 : 0);
    for (const chart of drawn) {
      const figure = page.locator(`figure[data-chart="${chart.id}"]`);
      await expect(figure.isVisible()).resolves.toBe(true);
      // Drawn: each series is a path with real extent on screen.
      const boxes = await figure
        .locator('path.series')
        .evaluateAll((els) =>
          els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width),
        );
      expect(boxes.length).toBe(chart.series.length);
      for (const w of boxes) expect(w).toBeGreaterThan(0);
    }
    expect(await clippedOrOverlappingLabels(page)).toEqual([]);
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

describe.skipIf(!haveChromium)('report.html labels in headless Chromium', () => {
  it('keeps long fault and SLO names inside the drawing', async () => {
    // demo-breach's journal with its fault and SLO renamed long (events edited in memory: the
    // names are what is under test, the run is real).
    const run = loadRun(journalOf('demo-breach'));
    const fault = 'slow-path-through-the-regional-api-gateway-proxy';
    const slo = 'p99-latency-of-the-public-api-stays-under-half-a-second';
    const events = run.events.map((e) => {
      if (e.type === 'fault.injected' || e.type === 'fault.reverted') return { ...e, name: fault };
      if (e.type === 'verdict')
        return { ...e, slos: e.slos.map((s) => (s.name === 'fast-enough' ? { ...s, name: slo } : s)) };
      return e;
    });
    const file = join(OUT, 'long-names.html');
    writeFileSync(file, renderHtml(buildSummary(events), events));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await clippedOrOverlappingLabels(page)).toEqual([]);
      // The whole name is still there, as the label's tooltip.
      await expect(
        page.locator('figure[data-chart="timeline"] text title').first().textContent(),
      ).resolves.toBe(`fault ${fault}`);
    } finally {
      await browser.close();
    }
  });
});
