import { describe, expect, it } from 'vitest';
import { ConnectRamp, IndexQueue } from './ramp.js';

describe('connect ramp', () => {
  it('IndexQueue is FIFO across wrap-around and growth', () => {
    const q = new IndexQueue(2);
    q.push(1);
    q.push(2);
    expect(q.shift()).toBe(1);
    q.push(3);
    q.push(4); // grows while wrapped
    q.push(5);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([2, 3, 4, 5]);
    expect(q.length).toBe(0);
  });

  it('admits the initial ramp at the token rate and reconnects without tokens, all under the in-flight cap', () => {
    const ramp = new ConnectRamp(1000, 100, 1000, 5, 0);
    for (let i = 0; i < 1000; i++) ramp.initial.push(i);
    const started: number[] = [];
    for (let t = 0; t <= 1000; t += 5) ramp.pump(t, (i) => started.push(i));
    expect(started.length).toBeGreaterThanOrEqual(99); // 100/s for 1 s (+1 initial token)
    expect(started.length).toBeLessThanOrEqual(102);
    expect(started.slice(0, 3)).toEqual([0, 1, 2]);

    const capped = new ConnectRamp(100, Number.POSITIVE_INFINITY, 5, 5, 0);
    for (let i = 0; i < 50; i++) capped.retries.push(i);
    for (let i = 50; i < 100; i++) capped.initial.push(i);
    const admitted: number[] = [];
    capped.pump(0, (i) => {
      admitted.push(i);
      capped.inflight++;
    });
    expect(admitted).toEqual([0, 1, 2, 3, 4]); // retries first, and only 5 in flight
  });

  it("reconnects are not held by the ramp's in-flight cap, only by the hard limit", () => {
    const ramp = new ConnectRamp(100, 1000, 5, 5, 0, 40);
    for (let i = 0; i < 50; i++) ramp.retries.push(i);
    for (let i = 50; i < 100; i++) ramp.initial.push(i);
    const admitted: number[] = [];
    ramp.pump(0, (i) => {
      admitted.push(i);
      ramp.inflight++;
    });
    // 40 reconnects (the hard limit); the ramp admits none while 40 > 5 are in flight.
    expect(admitted).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
