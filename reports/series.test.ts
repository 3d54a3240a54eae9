/** Chart series: the burn line ends at the table's number; downsampling keeps what matters. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { scanMetrics } from './metrics-scan.js';
import { buildCharts, MAX_POINTS } from './series.js';
import { syntheticFleetJournal } from './test-support/synthetic-journal.js';
import { loadRun } from './write.js';

const charts = (events: JournalEvent[]) => buildCharts(events);
const FIXTURES = join(import.meta.dirname, 'fixtures');
const round6 = (v: number) => Number(v.toPrecision(6));

describe('chart series', () => {
  it('ends each error-budget line at the SLO table’s budget consumed', () => {
    const { events, summary } = loadRun(
      join(import.meta.dirname, 'fixtures', 'demo-breach', 'journal.jsonl'),
    );
    const burn = charts(events).find((c) => c.id === 'budget-burn')!;
    expect(burn.noData).toBeNull();
    for (const series of burn.series) {
      const slo = summary.slos.find((s) => s.name === series.name)!;
      expect(series.points[0]![1]).toBe(0);
      expect(series.points[series.points.length - 1]![1]).toBeCloseTo(slo.budgetConsumed!, 4);
    }
    expect(burn.series.map((s) => s.name)).toEqual(['available', 'fast-enough']);
  });

  it('renders fleet charts as explicit no-data panels when the journal has no fleet metrics', () => {
    const { events } = loadRun(join(import.meta.dirname, 'fixtures', 'demo-pass', 'journal.jsonl'));
    const fleet = charts(events).filter((c) => c.id.startsWith('fleet-'));
    expect(fleet.map((c) => c.id)).toEqual([
      'fleet-connected',
      'fleet-throughput',
      'fleet-e2e-latency',
      'fleet-loss',
      'fleet-reconnect',
    ]);
    for (const c of fleet) {
      expect(c.series).toEqual([]);
      expect(c.noData).toMatch(/^no data for this run/);
    }
  });

  it('puts each point at the end of its slice, so a drop starts no earlier than the slice the fault began in', () => {
    const { events, summary } = loadRun(join(FIXTURES, 'demo-guard', 'journal.jsonl'));
    const scan = scanMetrics(events);
    const ends = new Set(scan.slices.map((s) => round6((s.startMs + s.durationMs - scan.originMs) / 1000)));
    const success = charts(events).find((c) => c.id === 'probe-api-success')!.series[0]!.points;
    for (const [x] of success) expect(ends.has(x), `a point at ${x} s`).toBe(true);
    const fall = success.findIndex(([, v]) => v < 1);
    const injectS = summary.faults[0]!.injectOffsetMs / 1000;
    const sliceOfFault = scan.slices.find(
      (s) =>
        s.startMs - scan.originMs <= injectS * 1000 &&
        s.startMs + s.durationMs - scan.originMs > injectS * 1000,
    )!;
    // The line leaves 100% at the point before the fall: not before the fault's slice began.
    expect(success[fall - 1]![0]).toBeGreaterThanOrEqual(
      (sliceOfFault.startMs - scan.originMs) / 1000 - 1e-6,
    );
  });

  it('charts lost and duplicate messages as counts that add up to the SLO, not as rates', () => {
    const { events, summary } = loadRun(join(FIXTURES, 'fleet-small-queue', 'journal.jsonl'));
    const loss = charts(events).find((c) => c.id === 'fleet-loss')!;
    expect(loss.unit).toBe('count');
    const lost = loss.series.find((s) => s.name === 'lost')!.points.reduce((a, [, v]) => a + v, 0);
    expect(lost).toBe(summary.slos.find((s) => s.name === 'zero-loss')!.value);
    // Time never runs backwards (the final zero-length flush joins the last bucket).
    for (const c of charts(events))
      for (const series of c.series)
        for (let i = 1; i < series.points.length; i++)
          expect(series.points[i]![0], `${c.id} ${series.name}`).toBeGreaterThan(series.points[i - 1]![0]);
  });

  it('carries the objectives of the SLOs on what a chart plots', () => {
    const { events } = loadRun(join(FIXTURES, 'demo-breach', 'journal.jsonl'));
    const all = charts(events);
    expect(all.find((c) => c.id === 'probe-api-latency')!.objectives).toEqual([
      { label: 'fast-enough: latency_p99 <= 500 ms', value: 500 },
    ]);
    expect(all.find((c) => c.id === 'probe-api-success')!.objectives).toEqual([
      { label: 'available: success_ratio >= 99%', value: 0.99 },
    ]);
  });

  it('downsamples a 30-minute run to at most MAX_POINTS points, keeping the dip in connected devices', () => {
    const events = syntheticFleetJournal();
    const all = charts(events);
    for (const c of all)
      for (const s of c.series) expect(s.points.length).toBeLessThanOrEqual(MAX_POINTS + 1);
    const connected = all.find((c) => c.id === 'fleet-connected')!.series[0]!;
    expect(Math.min(...connected.points.map(([, v]) => v))).toBe(40_000);
    const p99 = all.find((c) => c.id === 'fleet-e2e-latency')!.series[1]!;
    // p99 per point is the bucket's maximum: the fault's tail survives downsampling.
    expect(Math.max(...p99.points.map(([, v]) => v))).toBe(900 * 4.6);
  });
});
