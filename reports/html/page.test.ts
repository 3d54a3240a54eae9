/**
 * report.html's charts as rendered (the SVG text), from journals of real runs: objective lines,
 * a readable budget axis, counts without `/s`, fault bands with their planned end, and no
 * empty panels for what the run did not have. The browser test (browser.test.ts) checks how
 * the same markup lays out in Chromium.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../engine/core/format.js';
import { loadRun } from '../write.js';
import { renderHtml } from './page.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const html = (name: string) => {
  const run = loadRun(join(FIXTURES, name, 'journal.jsonl'));
  return renderHtml(run.summary, run.events);
};

/** The markup of one chart's figure. */
function figure(page: string, id: string): string {
  const start = page.indexOf(`data-chart="${id}"`);
  expect(start, `chart ${id}`).toBeGreaterThan(0);
  return page.slice(start, page.indexOf('</figure>', start));
}

const texts = (markup: string) =>
  [...markup.matchAll(/<text [^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('report.html charts', () => {
  it('draw the objective of each latency SLO as a labelled line at its value', () => {
    const latency = figure(html('demo-breach'), 'probe-api-latency');
    const line = /<line class="objective-line" x1="[\d.]+" x2="[\d.]+" y1="([\d.]+)"/.exec(latency);
    expect(line).not.toBeNull();
    expect(texts(latency)).toContain('fast-enough: latency_p99 &lt;= 500 ms');
    // The axis has grid labels at round values; the objective's y lies where 500 ms is.
    const grid = [
      ...latency.matchAll(
        /<text class="axis-label" x="[\d.]+" y="([\d.]+)" text-anchor="end">([\d,]+) ms<\/text>/g,
      ),
    ].map((m) => [Number(m[1]) - 4, Number(m[2]!.replace(',', ''))] as const);
    const [y0, v0] = grid[0]!;
    const [y1, v1] = grid[1]!;
    expect(Number(line![1])).toBeCloseTo(y0 + ((500 - v0) / (v1 - v0)) * (y1 - y0), 0);
  });

  it('cap the error-budget axis at 200% and label a line that leaves it', () => {
    const burn = figure(html('fleet-small-queue'), 'budget-burn');
    const labels = texts(burn);
    expect(labels).toContain('200%');
    expect(
      labels.filter((t) => /^[\d,]+%$/.test(t)).every((t) => Number(t.replace(/[,%]/g, '')) <= 200),
    ).toBe(true);
    expect(labels).toContain('↑ zero-loss ≥100,000%');
  });

  it('label lost and duplicate messages as counts, never per second', () => {
    const loss = figure(html('fleet-small-queue'), 'fleet-loss');
    expect(loss).toContain('Lost and duplicate messages');
    for (const t of [...texts(loss), ...[...loss.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]!)])
      expect(t).not.toMatch(/\d\/s/);
    const lost = loadRun(join(FIXTURES, 'fleet-small-queue', 'journal.jsonl')).summary.slos.find(
      (s) => s.name === 'zero-loss',
    )!.value!;
    expect(lost).toBeGreaterThan(1000);
    expect(loss).toContain(`lost (total ${formatNumber(lost)})`);
  });

  it('show where a fault cut short was planned to end, on the timeline and the charts', () => {
    const page = html('demo-guard');
    expect(figure(page, 'timeline')).toMatch(
      /<rect class="fault-planned" [^>]*><title>fault proxy-down as planned: \+3\.\d{3} s to \+9\.\d{3} s<\/title>/,
    );
    expect(figure(page, 'probe-api-success')).toMatch(
      /<line class="planned-end" [^>]*><title>fault proxy-down was planned to end at \+9\.\d{3} s<\/title>/,
    );
    // The axis reaches the planned end (9 s), past where the run stopped (5 s).
    expect(texts(figure(page, 'timeline'))).toContain('8 s');
  });

  it('leave out the charts a run has no data for, and say so in one line', () => {
    const page = html('demo-pass');
    expect(page).not.toContain('data-chart="fleet-');
    expect(page).not.toContain('class="no-data-panel"');
    expect(page).toContain('data-not-charted="5"');
    expect(page).toMatch(
      /<li>Connected devices, Messages per second, End-to-end latency, Lost and duplicate messages, Reconnect curve: the journal has no fleet metrics \(no simulated fleet took part\)<\/li>/,
    );
  });
});
