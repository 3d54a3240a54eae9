import { describe, expect, it } from 'vitest';
import { knownSliNames, resolveSli, SLI_CATALOG, sliSourceProblem, unknownSliMessage } from './catalog.js';

describe('SLI catalogue', () => {
  it('resolves plain names', () => {
    expect(resolveSli('delivery_ratio')?.definition.compute).toEqual({
      measure: 'ratio',
      good: 'delivered',
      total: 'expected',
    });
    expect(resolveSli('delivery_ratio')?.percentile).toBeUndefined();
  });

  it.each([
    ['e2e_latency_p99', 'e2e_latency_pNN', 99],
    ['e2e_latency_p50', 'e2e_latency_pNN', 50],
    ['connect_latency_p90', 'connect_latency_pNN', 90],
    ['puback_latency_p99.9', 'puback_latency_pNN', 99.9],
    ['latency_p99', 'latency_pNN', 99],
    ['reconnect_time_p99.99', 'reconnect_time_pNN', 99.99],
  ])('resolves %s to %s at %d', (name, family, percentile) => {
    const sli = resolveSli(name);
    expect(sli?.definition.name).toBe(family);
    expect(sli?.percentile).toBe(percentile);
  });

  it.each([
    'e2e_latency_pNN',
    'e2e_latency',
    'e2e_latency_p100',
    'e2e_latency_p0',
    'nope',
    'delivery_ratio_p99',
  ])('rejects %s', (name) => expect(resolveSli(name)).toBeUndefined());

  it('lists family names as written', () => {
    expect(knownSliNames()).toContain('e2e_latency_pNN');
    expect(knownSliNames()).toContain('time_to_recover');
    expect(knownSliNames()).toHaveLength(SLI_CATALOG.length);
  });

  it('suggests the nearest name, keeping the percentile', () => {
    expect(unknownSliMessage('e2e_latncy_p99')).toContain("did you mean 'e2e_latency_p99'");
    expect(unknownSliMessage('delivery_ration')).toContain("did you mean 'delivery_ratio'");
  });

  it('checks which sources provide an SLI', () => {
    expect(sliSourceProblem(resolveSli('delivery_ratio')!, 'api')).toMatch(/fleet/);
    expect(sliSourceProblem(resolveSli('success_ratio')!, 'fleet')).toMatch(/probe/);
    expect(sliSourceProblem(resolveSli('throughput')!, 'api')).toBeUndefined();
    expect(sliSourceProblem(resolveSli('delivery_ratio')!, 'fleet.acme')).toBeUndefined();
  });
});
