import { describe, expect, it } from 'vitest';
import { SquallError } from '../engine/core/errors.js';
import { createRng } from './prng.js';
import { createReconnectPolicy, DEFAULT_RECONNECT, GIVE_UP, type ReconnectOptions } from './reconnect.js';

const SEED = 42;
const opts = (o: Partial<ReconnectOptions>): ReconnectOptions => ({ ...DEFAULT_RECONNECT, ...o });

/** Kolmogorov–Smirnov distance between samples and a uniform distribution on [lo, hi). */
function ksUniform(samples: number[], lo: number, hi: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const cdf = (x - lo) / (hi - lo);
    d = Math.max(d, Math.abs(cdf - i / sorted.length), Math.abs(cdf - (i + 1) / sorted.length));
  });
  return d;
}
// KS critical value at α = 0.001 is 1.95/√n; fixed seeds make these deterministic anyway.
const N = 4000;
const KS_LIMIT = 1.95 / Math.sqrt(N);

describe('prng', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const sa = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(sa);
  });
  it('is uniform on [0, 1)', () => {
    const rng = createRng(SEED);
    const xs = Array.from({ length: N }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(ksUniform(xs, 0, 1)).toBeLessThan(KS_LIMIT);
  });
});

describe('reconnect strategies (AWS "Exponential Backoff and Jitter")', () => {
  const base = 100;
  const cap = 10_000;

  it('none gives up at once; immediate is 0; fixed is base', () => {
    const rng = createRng(SEED);
    expect(createReconnectPolicy(opts({ strategy: 'none' }), rng).delayMs(0, 0)).toBe(GIVE_UP);
    const imm = createReconnectPolicy(opts({ strategy: 'immediate' }), rng);
    const fixed = createReconnectPolicy(opts({ strategy: 'fixed', baseMs: 5000, capMs: 5000 }), rng);
    for (let a = 0; a < 20; a++) {
      expect(imm.delayMs(a, 0)).toBe(0);
      expect(fixed.delayMs(a, 0)).toBe(5000);
    }
  });

  it('exponential is min(cap, base·2^attempt)', () => {
    const p = createReconnectPolicy(
      opts({ strategy: 'exponential', baseMs: base, capMs: cap }),
      createRng(SEED),
    );
    expect([0, 1, 2, 3, 6, 7, 8, 50, 5000].map((a) => p.delayMs(a, 0))).toEqual([
      100, 200, 400, 800, 6400, 10_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('full-jitter reproduces random_between(0, min(cap, base·2^attempt)) draw by draw', () => {
    const p = createReconnectPolicy(
      opts({ strategy: 'full-jitter', baseMs: base, capMs: cap }),
      createRng(SEED),
    );
    const oracle = createRng(SEED);
    for (let a = 0; a < 12; a++) {
      expect(p.delayMs(a, 0)).toBe(oracle.next() * Math.min(cap, base * 2 ** a));
    }
  });

  it.each([0, 3, 9])('full-jitter at attempt %i is uniform on [0, ceiling)', (attempt) => {
    const p = createReconnectPolicy(
      opts({ strategy: 'full-jitter', baseMs: base, capMs: cap }),
      createRng(SEED),
    );
    const ceiling = Math.min(cap, base * 2 ** attempt);
    const xs = Array.from({ length: N }, () => p.delayMs(attempt, 0));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(ceiling);
    expect(ksUniform(xs, 0, ceiling)).toBeLessThan(KS_LIMIT);
  });

  it('equal-jitter is temp/2 + random_between(0, temp/2), uniform on [temp/2, temp)', () => {
    const p = createReconnectPolicy(
      opts({ strategy: 'equal-jitter', baseMs: base, capMs: cap }),
      createRng(SEED),
    );
    const oracle = createRng(SEED);
    for (let a = 0; a < 10; a++) {
      const temp = Math.min(cap, base * 2 ** a);
      expect(p.delayMs(a, 0)).toBe(temp / 2 + oracle.next() * (temp / 2));
    }
    const temp = base * 2 ** 5;
    const xs = Array.from({ length: N }, () => p.delayMs(5, 0));
    expect(ksUniform(xs, temp / 2, temp)).toBeLessThan(KS_LIMIT);
  });

  it('decorrelated-jitter is min(cap, random_between(base, previous·3)) with previous₀ = base', () => {
    const p = createReconnectPolicy(
      opts({ strategy: 'decorrelated-jitter', baseMs: base, capMs: cap }),
      createRng(SEED),
    );
    const oracle = createRng(SEED);
    let prev = 0;
    let expectedPrev = base;
    for (let a = 0; a < 40; a++) {
      const got = p.delayMs(a, prev);
      const want = Math.min(cap, base + oracle.next() * (expectedPrev * 3 - base));
      expect(got).toBe(want);
      expect(got).toBeGreaterThanOrEqual(base);
      expect(got).toBeLessThanOrEqual(cap);
      prev = got;
      expectedPrev = want;
    }
    // From a fixed previous delay the draw is uniform on [base, 3·previous).
    const xs = Array.from({ length: N }, () => p.delayMs(1, 1000));
    expect(ksUniform(xs, base, 3000)).toBeLessThan(KS_LIMIT);
  });

  it('gives up after maxAttempts and resets after a connection that stayed up resetAfterMs', () => {
    const p = createReconnectPolicy(
      opts({ strategy: 'exponential', baseMs: base, capMs: cap, maxAttempts: 3, resetAfterMs: 30_000 }),
      createRng(SEED),
    );
    expect([0, 1, 2, 3].map((a) => p.delayMs(a, 0))).toEqual([100, 200, 400, GIVE_UP]);
    expect(p.attemptAfterDrop(2, 29_999)).toBe(2);
    expect(p.attemptAfterDrop(2, 30_000)).toBe(0);
  });

  it('rejects bad options with SQUALL_FLEET_CONFIG_INVALID', () => {
    const rng = createRng(1);
    const bad = [
      opts({ strategy: 'fibonacci' as never }),
      opts({ baseMs: -1 }),
      opts({ baseMs: 10_000, capMs: 1000 }),
      opts({ maxAttempts: 1.5 }),
    ];
    for (const o of bad) {
      expect(() => createReconnectPolicy(o, rng)).toThrow(SquallError);
      try {
        createReconnectPolicy(o, rng);
      } catch (err) {
        expect((err as SquallError).code).toBe('SQUALL_FLEET_CONFIG_INVALID');
      }
    }
  });
});
