/** waitUntil: a boolean for "it held" or "the time ran out", sync and async checks alike. */
import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait.js';

describe('waitUntil', () => {
  it('resolves true as soon as a sync check holds, checking every interval', async () => {
    let calls = 0;
    const started = performance.now();
    expect(await waitUntil(() => ++calls === 3, { timeoutMs: 5000, intervalMs: 20 })).toBe(true);
    expect(calls).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('awaits an async check', async () => {
    let calls = 0;
    const check = async () => {
      await new Promise((r) => setTimeout(r, 5));
      return ++calls === 2;
    };
    expect(await waitUntil(check, { timeoutMs: 5000 })).toBe(true);
    expect(calls).toBe(2);
  });

  it('resolves false once the timeout has passed, not before', async () => {
    const started = performance.now();
    expect(await waitUntil(() => false, { timeoutMs: 100, intervalMs: 10 })).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('checks at least once even with no time to wait', async () => {
    expect(await waitUntil(() => true, { timeoutMs: 0 })).toBe(true);
  });

  it('resolves false when its signal aborts, without checking again', async () => {
    const abort = new AbortController();
    let calls = 0;
    setTimeout(() => abort.abort(), 50);
    const never = () => {
      calls++;
      return false;
    };
    const started = performance.now();
    expect(await waitUntil(never, { timeoutMs: 10_000, signal: abort.signal })).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
    const seen = calls;
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toBe(seen);
  });

  it('rejects with the error of a check that throws', async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error('no /proc here');
        },
        { timeoutMs: 1000 },
      ),
    ).rejects.toThrow('no /proc here');
  });
});
