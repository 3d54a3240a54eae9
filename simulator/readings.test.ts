import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordLatencyMs } from '../engine/core/metrics.js';
import { emptyReading, fromWire, mergeInto, toWire } from './readings.js';

describe('readings', () => {
  it('merges counters and histograms, sums gauges but keeps maxima for *_ms windows', () => {
    const h1 = createLatencyHistogram();
    recordLatencyMs(h1, 1);
    const h2 = createLatencyHistogram();
    recordLatencyMs(h2, 100);
    const into = emptyReading();
    mergeInto(into, {
      counters: { a: 1 },
      gauges: { connected: 3, data_loss_window_ms: 40 },
      histograms: { e: h1 },
    });
    mergeInto(
      into,
      fromWire(
        toWire({
          counters: { a: 2 },
          gauges: { connected: 4, data_loss_window_ms: 10 },
          histograms: { e: h2 },
        }),
      ),
    );
    expect(into.counters).toEqual({ a: 3 });
    expect(into.gauges).toEqual({ connected: 7, data_loss_window_ms: 40 });
    expect(into.histograms.e!.totalCount).toBe(2);
    expect(into.histograms.e!.maxValue).toBeGreaterThanOrEqual(99_000);
  });
});
