import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordLatencyMs } from '../core/metrics.js';
import { parseObjective } from '../core/units.js';
import { resolveSli } from './catalog.js';
import { countAtOrBelowUs, readSli, type SliSubject } from './measure.js';
import { series, slice } from './test-support/slices.js';
import { mergeHistograms, slicesIn } from './windows.js';

const subject = (sli: string, source = 'fleet'): SliSubject => ({ sli: resolveSli(sli)!, source });
const obj = parseObjective;

describe('windows', () => {
  it('a slice belongs to the window holding its start: [start, end)', () => {
    const slices = series([{}, {}, {}, {}]);
    expect(slicesIn(slices, [1000, 3000]).map((s) => s.startMs)).toEqual([1000, 2000]);
    expect(slicesIn(slices, [1500, 3000]).map((s) => s.startMs)).toEqual([2000]);
  });

  it('merges histograms without touching the inputs', () => {
    const slices = series([
      { latencies: { 'fleet.e2e_latency': [[10, 3]] } },
      { latencies: { 'fleet.e2e_latency': [[20, 1]] } },
    ]);
    expect(mergeHistograms(slices, 'fleet.e2e_latency').totalCount).toBe(4);
    expect(slices[0]!.histograms['fleet.e2e_latency']!.totalCount).toBe(3);
  });
});

describe('readSli', () => {
  it('sums raw counts, never averages ratios', () => {
    // Per-slice ratios 1.0 and 0.0 average 0.5; the events say 10 / 1000.
    const slices = series([
      { counters: { 'fleet.delivered': 10, 'fleet.expected': 10 } },
      { counters: { 'fleet.delivered': 0, 'fleet.expected': 990 } },
    ]);
    expect(readSli(subject('delivery_ratio'), obj('>= 99%'), slices)).toEqual({
      value: 0.01,
      good: 10,
      total: 1000,
      budgeted: true,
    });
  });

  it('is nodata when there are no events, never good', () => {
    const empty = series([{ counters: { 'fleet.delivered': 0, 'fleet.expected': 0 } }]);
    expect(readSli(subject('delivery_ratio'), obj('>= 99%'), empty).value).toBeNull();
    expect(readSli(subject('e2e_latency_p99'), obj('<= 500ms'), series([{}])).value).toBeNull();
    expect(readSli(subject('messages_lost'), obj('== 0'), empty).value).toBeNull();
    expect(readSli(subject('connected_ratio'), obj('>= 99%'), [])).toMatchObject({ value: null, total: 0 });
  });

  it('reads a probe source by its name', () => {
    const slices = series([{ counters: { 'api.ok': 9, 'api.total': 10, 'other.ok': 0, 'other.total': 10 } }]);
    expect(readSli(subject('success_ratio', 'api'), obj('>= 99%'), slices).value).toBe(0.9);
  });

  it('merges histograms for percentiles and counts samples meeting the threshold', () => {
    const slices = series([
      { latencies: { 'fleet.e2e_latency': [[100, 990]] } },
      { latencies: { 'fleet.e2e_latency': [[800, 10]] } },
    ]);
    const p99 = readSli(subject('e2e_latency_p99'), obj('<= 500ms'), slices);
    expect(p99.value).toBeCloseTo(100, 0); // rank 990 of 1000 is still 100 ms
    expect(p99).toMatchObject({ good: 990, total: 1000, budgeted: true });
    expect(readSli(subject('e2e_latency_p99.9'), obj('<= 500ms'), slices).value).toBeCloseTo(800, 0);
    expect(readSli(subject('e2e_latency_p50'), obj('> 500ms'), slices).good).toBe(10);
  });

  it('counts bad events out of their `per` counter', () => {
    const slices = series([
      { counters: { 'fleet.lost': 3, 'fleet.expected': 1000 } },
      { counters: { 'fleet.lost': 2 } },
    ]);
    expect(readSli(subject('messages_lost'), obj('== 0'), slices)).toEqual({
      value: 5,
      good: 995,
      total: 1000,
      budgeted: true,
    });
  });

  it('weighs gauges by time: device-seconds connected of targeted', () => {
    const slices = [
      slice(0, { gauges: { 'fleet.connected': 100, 'fleet.target': 100 } }),
      slice(1000, { gauges: { 'fleet.connected': 0, 'fleet.target': 100 }, durationMs: 500 }),
    ];
    // (100·1 + 0·0.5) / (100·1 + 100·0.5) = 100 / 150
    expect(readSli(subject('connected_ratio'), obj('>= 99%'), slices).value).toBeCloseTo(2 / 3, 12);
  });

  it('reads throughput and data_loss_window as single measurements', () => {
    const slices = series([
      { counters: { 'fleet.published': 4000 }, gauges: { 'fleet.data_loss_window_ms': 0 } },
      { counters: { 'fleet.published': 6000 }, gauges: { 'fleet.data_loss_window_ms': 1500 } },
    ]);
    expect(readSli(subject('throughput'), obj('>= 4000'), slices)).toEqual({
      value: 5000,
      good: 1,
      total: 1,
      budgeted: false,
    });
    expect(readSli(subject('data_loss_window'), obj('<= 1s'), slices)).toEqual({
      value: 1500,
      good: 0,
      total: 1,
      budgeted: false,
    });
    const probe = series([{ counters: { 'api.total': 2 } }, { counters: { 'api.total': 2 } }]);
    expect(readSli(subject('throughput', 'api'), obj('>= 1'), probe).value).toBe(2);
    expect(readSli(subject('throughput'), obj('>= 1'), series([{}])).value).toBeNull();
  });
});

describe('countAtOrBelowUs', () => {
  it('counts samples by rank, reading buckets by their highest equivalent value as percentileMs does', () => {
    const h = createLatencyHistogram();
    for (const ms of [1, 2, 3, 400, 500, 600]) recordLatencyMs(h, ms);
    expect(countAtOrBelowUs(h, 0)).toBe(0);
    expect(countAtOrBelowUs(h, 3010)).toBe(3);
    // 3 ms lies in the bucket [3000, 3001] µs (3 significant digits): it reads as 3.001 ms.
    expect(countAtOrBelowUs(h, 3000)).toBe(2);
    expect(countAtOrBelowUs(h, 501_000)).toBe(5);
    expect(countAtOrBelowUs(h, 10_000_000)).toBe(6);
  });
});

describe('per-tenant sources', () => {
  it('reads `fleet.<metric>{tenant=<t>}` for the source fleet.<t>', () => {
    const slices = series([
      {
        counters: {
          'fleet.delivered': 15,
          'fleet.expected': 20,
          'fleet.delivered{tenant=acme}': 9,
          'fleet.expected{tenant=acme}': 10,
        },
      },
    ]);
    expect(readSli(subject('delivery_ratio', 'fleet.acme'), obj('>= 99%'), slices).value).toBe(0.9);
    expect(readSli(subject('delivery_ratio', 'fleet'), obj('>= 99%'), slices).value).toBe(0.75);
    expect(readSli(subject('delivery_ratio', 'fleet.globex'), obj('>= 99%'), slices).value).toBeNull();
  });
});
