import { describe, expect, it } from 'vitest';
import { createTenantBulkhead, tenantOf } from './tenant-bulkhead.js';

/** A hand-driven clock: the bucket's window math, without waiting. */
function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('tenant bulkhead', () => {
  it('reads the tenant from t/<tenant>/...; other topics are not limited', () => {
    expect(tenantOf('t/acme/17')).toBe('acme');
    expect(tenantOf('t/noisy')).toBe('noisy');
    expect(tenantOf('t//17')).toBeUndefined();
    expect(tenantOf('cmd/acme/17')).toBeUndefined();
    const b = createTenantBulkhead({ ratePerS: 1 });
    for (let i = 0; i < 100; i++) expect(b.reserve('$SYS/x')).toBe(0);
    expect(b.counters().size).toBe(0);
  });

  it('admits a burst at once, then paces a flooding tenant at its rate', () => {
    const c = clock();
    const b = createTenantBulkhead({ ratePerS: 100, burst: 10, now: c.now });
    const waits = Array.from({ length: 30 }, () => b.reserve('t/noisy/1'));
    expect(waits.slice(0, 10)).toEqual(Array(10).fill(0));
    // The 11th waits one interval (10 ms), each one after it 10 ms more: 100/s.
    expect(waits[10]).toBeCloseTo(10);
    expect(waits[29]).toBeCloseTo(200);
    for (let i = 11; i < 30; i++) expect(waits[i]! - waits[i - 1]!).toBeCloseTo(10);
    expect(b.counters().get('noisy')).toMatchObject({ admitted: 30, delayed: 20 });
    expect(b.counters().get('noisy')!.delayedMs).toBeCloseTo(2100);
  });

  it("keeps tenants apart: one tenant's flood does not delay another's publishes", () => {
    const c = clock();
    const b = createTenantBulkhead({ ratePerS: 100, burst: 5, now: c.now });
    for (let i = 0; i < 1000; i++) b.reserve('t/noisy/1');
    expect(b.reserve('t/noisy/1')).toBeGreaterThan(9000);
    // acme at 50/s, under its own 100/s: never waits while noisy is backed up by 10 s.
    for (let i = 0; i < 50; i++) {
      expect(b.reserve('t/acme/3')).toBe(0);
      c.advance(20);
    }
    expect(b.counters().get('acme')).toEqual({ admitted: 50, delayed: 0, delayedMs: 0 });
  });

  it('an idle tenant earns its burst back, but no more', () => {
    const c = clock();
    const b = createTenantBulkhead({ ratePerS: 10, burst: 3, now: c.now });
    for (let i = 0; i < 3; i++) expect(b.reserve('t/a/1')).toBe(0);
    expect(b.reserve('t/a/1')).toBeCloseTo(100);
    c.advance(10_000); // a long quiet spell
    const waits = Array.from({ length: 5 }, () => b.reserve('t/a/1'));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeCloseTo(100);
    expect(waits[4]).toBeCloseTo(200);
  });

  it('rejects a rate or burst that cannot work', () => {
    expect(() => createTenantBulkhead({ ratePerS: 0 })).toThrow(/ratePerS/);
    expect(() => createTenantBulkhead({ ratePerS: Number.POSITIVE_INFINITY })).toThrow(/ratePerS/);
    expect(() => createTenantBulkhead({ ratePerS: 10, burst: 0 })).toThrow(/burst/);
    expect(createTenantBulkhead({ ratePerS: 5 }).reserve('t/x/1')).toBe(0); // burst defaults to ≥ 1
  });
});
