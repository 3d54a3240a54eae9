/** Chart series: the burn line ends at the table's number; downsampling keeps what matters. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../engine/run/journal-events.js';
import { buildCharts, MAX_POINTS } from './series.js';
import { syntheticFleetJournal } from './test-support/synthetic-journal.js';
import { loadRun } from './write.js';

const charts = (events: JournalEvent[]) => buildCharts(events);

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
