/** Tenant assignment: shares hold over any contiguous index run; pinned groups take their whole range. */
import { describe, expect, it } from 'vitest';
import { SquallError } from '../engine/core/errors.js';
import { createTenantMap } from './tenants.js';

const countOf = (map: ReturnType<typeof createTenantMap>, from: number, to: number) => {
  const counts = new Map<string, number>();
  for (let i = from; i < to; i++) {
    const name = map.names[map.of(i)]!;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
};

describe('tenant map', () => {
  it('gives any contiguous run of indexes its shares to within a device or two', () => {
    const map = createTenantMap([
      { name: 'acme', share: 0.8 },
      { name: 'globex', share: 0.2 },
    ]);
    for (const [from, to] of [
      [0, 1000],
      [12_345, 13_345],
      [99_000, 100_000],
    ] as const) {
      const counts = countOf(map, from, to);
      expect(Math.abs(counts.acme! - 800)).toBeLessThanOrEqual(2);
      expect(counts.acme! + counts.globex!).toBe(1000);
    }
  });

  it('puts a pinned range wholly in its tenant and shares out the rest', () => {
    const map = createTenantMap(
      [
        { name: 'acme', share: 0.5 },
        { name: 'globex', share: 0.5 },
      ],
      [{ first: 1000, count: 100, tenant: 'noisy' }],
    );
    expect(map.names).toEqual(['acme', 'globex', 'noisy']);
    expect(countOf(map, 1000, 1100)).toEqual({ noisy: 100 });
    expect(map.names[map.of(999)]).not.toBe('noisy');
    expect(map.names[map.of(1100)]).not.toBe('noisy');
    const rest = countOf(map, 0, 1000);
    expect(rest.noisy).toBeUndefined();
    expect(Math.abs(rest.acme! - 500)).toBeLessThanOrEqual(2);
  });

  it('a pinned tenant may also hold a share; without shares the rest is "default"', () => {
    const both = createTenantMap([{ name: 'acme', share: 1 }], [{ first: 0, count: 10, tenant: 'acme' }]);
    expect(both.names).toEqual(['acme']);
    const noShares = createTenantMap([], [{ first: 10, count: 5, tenant: 'noisy' }]);
    expect(noShares.names).toEqual(['default', 'noisy']);
    expect(countOf(noShares, 0, 20)).toEqual({ default: 15, noisy: 5 });
  });

  it('refuses shares that do not add up to 100%', () => {
    expect(() =>
      createTenantMap([
        { name: 'a', share: 0.5 },
        { name: 'b', share: 0.4 },
      ]),
    ).toThrow(SquallError);
  });
});
