import { describe, expect, it } from 'vitest';
import { FLEET_METRIC_KEYS } from './fleet-metric-keys.js';
import { ENGINE_COUNTERS, ENGINE_HISTOGRAMS } from './fleet-metrics.js';
import { SINK_COUNTERS } from './sink-accounting.js';

describe('fleet metric keys', () => {
  it('documents every key the engine and the sink emit, once', () => {
    const keys = FLEET_METRIC_KEYS.map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of [...ENGINE_COUNTERS, ...ENGINE_HISTOGRAMS, ...SINK_COUNTERS, 'connected', 'target']) {
      expect(keys).toContain(k);
    }
    // The brief's contract.
    for (const k of [
      'delivered',
      'expected',
      'lost',
      'duplicates',
      'out_of_order',
      'connect_ok',
      'connect_attempts',
    ]) {
      expect(FLEET_METRIC_KEYS.find((m) => m.key === k)?.kind).toBe('counter');
    }
    for (const k of ['e2e_latency', 'connect_latency', 'puback_latency', 'reconnect_time']) {
      expect(FLEET_METRIC_KEYS.find((m) => m.key === k)?.unit).toBe('us');
    }
  });
});
