/**
 * Dated latencies (metrics.ts `DatedCounters.histograms`): a source that reads a latency after
 * its slice closed (a k6 point, flushed late) hands it over dated; the collector merges it into
 * that slice, the journal carries it as an amendment, and reports merge it back the same way.
 */
import { describe, expect, it } from 'vitest';
import { decodeSliceHistogram, toSlices } from '../../reports/metric-slices.js';
import type { MetricsEvent } from '../core/journal-events.js';
import {
  createLatencyHistogram,
  encodeHistogram,
  type MetricsSource,
  percentileMs,
  recordLatencyMs,
  type SourceReading,
} from '../core/metrics.js';
import { MetricsCollector, sliceToEvent } from './metrics-collector.js';

const histogramOf = (...latenciesMs: number[]) => {
  const h = createLatencyHistogram();
  for (const ms of latenciesMs) recordLatencyMs(h, ms);
  return h;
};

/** A source that hands over the readings it is given, one per collect. */
function scripted(readings: SourceReading[]): MetricsSource {
  return { name: 'k6', collect: () => readings.shift() ?? {} };
}

describe('dated latencies', () => {
  it('merge into the slice they are dated to, in memory, in the journal and in reports', () => {
    const source = scripted([
      { histograms: { latency: histogramOf(10, 10) } },
      // Read during the second slice: two more samples of the first, one of the second.
      {
        histograms: { latency: histogramOf(30) },
        dated: [{ startMs: 0, counters: { total: 2 }, histograms: { latency: histogramOf(20, 20) } }],
      },
    ]);
    const collector = new MetricsCollector([source], 0);
    const events: Omit<MetricsEvent, 'seq' | 't'>[] = [];
    for (const endMs of [1000, 2000]) {
      const slice = collector.close(endMs);
      // As the journal writes it, at once: the collector keeps amending its own slice objects.
      events.push(
        JSON.parse(
          JSON.stringify(sliceToEvent(slice, 'baseline', encodeHistogram, collector.takeAmendments())),
        ),
      );
    }

    const [first, second] = collector.slices;
    expect(first!.histograms['k6.latency']!.totalCount).toBe(4);
    expect(percentileMs(first!.histograms['k6.latency']!, 99)).toBeCloseTo(20, 1);
    expect(first!.counters['k6.total']).toBe(2);
    expect(second!.histograms['k6.latency']!.totalCount).toBe(1);

    // The first slice's event was written before the late samples came: the second carries them.
    expect(events[0]!.latencies['k6.latency']!.count).toBe(2);
    expect(events[1]!.dated).toEqual([
      expect.objectContaining({
        startMs: 0,
        counters: { 'k6.total': 2 },
        latencies: { 'k6.latency': expect.objectContaining({ count: 2, max: 20 }) },
      }),
    ]);

    const stamped = events.map((e, i) => ({ ...e, seq: i, t: (i + 1) * 1000 }));
    const reportSlices = toSlices(stamped, []);
    const merged = decodeSliceHistogram(reportSlices[0]!, 'k6.latency')!;
    expect(merged.totalCount).toBe(4);
    const summary = reportSlices[0]!.event.latencies['k6.latency']!;
    expect(summary.count).toBe(4);
    // HDR keeps 3 significant digits: 20 ms reads back as its bucket, 20.015 ms.
    expect(summary.max).toBeCloseTo(20, 1);
    expect(reportSlices[0]!.counters['k6.total']).toBe(2);
    expect(decodeSliceHistogram(reportSlices[1]!, 'k6.latency')!.totalCount).toBe(1);
    // The journal's own objects are not changed by reading them.
    expect(stamped[0]!.latencies['k6.latency']!.count).toBe(2);
  });

  it('skip empty histograms and keep amendments without latencies as they were', () => {
    const source = scripted([
      {},
      { dated: [{ startMs: 0, counters: { total: 1 }, histograms: { latency: createLatencyHistogram() } }] },
    ]);
    const collector = new MetricsCollector([source], 0);
    collector.close(1000);
    collector.takeAmendments();
    const slice = collector.close(2000);
    const event = sliceToEvent(slice, 'baseline', encodeHistogram, collector.takeAmendments());
    expect(collector.slices[0]!.histograms).toEqual({});
    expect(event.dated).toEqual([{ startMs: 0, counters: { 'k6.total': 1 } }]);
  });
});
