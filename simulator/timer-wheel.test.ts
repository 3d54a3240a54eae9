import { describe, expect, it } from 'vitest';
import { TimerWheel } from './timer-wheel.js';

describe('timer wheel', () => {
  it('fires each entry once, at the first advance at or after its due time', () => {
    const fired: Array<[number, number]> = [];
    const w = new TimerWheel(10, 10, (i, now) => fired.push([i, now]), 1000, 16);
    w.schedule(1, 1005);
    w.schedule(2, 1010);
    w.schedule(3, 1500); // beyond the 160 ms horizon: waits laps
    w.advance(1004);
    expect(fired).toEqual([]);
    w.advance(1010);
    expect(fired.sort()).toEqual([
      [1, 1010],
      [2, 1010],
    ]);
    for (let t = 1020; t < 1500; t += 10) w.advance(t);
    expect(fired.length).toBe(2);
    w.advance(1500);
    expect(fired.at(-1)).toEqual([3, 1500]);
    expect(w.size).toBe(0);
  });

  it('re-arms, cancels, and tolerates re-arming other entries from inside fire', () => {
    const fired: number[] = [];
    let w!: TimerWheel;
    w = new TimerWheel(
      10,
      1,
      (i, now) => {
        fired.push(i);
        if (i === 0 && fired.length === 1) {
          w.cancel(1); // due in this same batch: must not fire
          w.schedule(2, now + 5); // due in this batch too: moved, fires later
          w.schedule(0, now + 3);
        }
      },
      0,
      8,
    );
    // Order within one tick is unspecified (LIFO today): arm 0 last so it fires first.
    w.schedule(1, 1);
    w.schedule(2, 1);
    w.schedule(0, 1);
    w.advance(1);
    expect(fired).toEqual([0]);
    w.advance(4);
    expect(fired).toEqual([0, 0]);
    w.advance(6);
    expect(fired).toEqual([0, 0, 2]);
  });

  it('fires past-due entries on the next advance and survives long pauses', () => {
    const fired: number[] = [];
    const w = new TimerWheel(100, 10, (i) => fired.push(i), 0, 16);
    for (let i = 0; i < 100; i++) w.schedule(i, i * 37);
    w.advance(100_000); // far more than one lap
    expect(fired.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    w.schedule(5, 0); // in the past
    w.advance(100_010);
    expect(fired.at(-1)).toBe(5);
  });
});
