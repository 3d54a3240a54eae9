/**
 * sleepUntil with due times past Node's timer range (2^31−1 ms, ~24.8 days): Node takes such a
 * delay as 1 ms, so the old loop re-armed every millisecond and spun. Real timers; `now` is
 * the real clock, wrapped to count how often the loop wakes.
 */
import { describe, expect, it } from 'vitest';
import { sleepUntil } from './timing.js';

describe('sleepUntil', () => {
  it('waits for a due time 30 days away without waking every millisecond', async () => {
    let wakes = 0;
    const now = () => {
      wakes++;
      return Date.now();
    };
    const stop = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const sleeping = sleepUntil(Date.now() + 30 * 86_400_000, stop.signal, now).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    stop.abort(new Error('stopped'));
    expect(((await sleeping) as Error).message).toBe('stopped');
    process.off('warning', onWarning);
    // One wake to arm the timer; the old code woke ~every ms (100+ in 200 ms, even when loaded).
    expect(wakes).toBeLessThanOrEqual(2);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('still resolves at a near due time', async () => {
    const t0 = Date.now();
    await sleepUntil(t0 + 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30);
  });
});
