/**
 * The live view's rules (live.ts) on hand-computed slices: an SLO appears when its window
 * opens, reads its window so far, says "pending" while message counts settle, and
 * `time_to_recover` waits until the fault is over. Pure window math: no clock, no broker.
 */
import { describe, expect, it } from 'vitest';
import { LiveScoreboard } from './live.js';
import { slice, sloSpec } from './test-support/slices.js';

const delivery = sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99%', window: 'fault' });
const latency = sloSpec({
  name: 'latency',
  sli: 'e2e_latency_p99',
  objective: '<= 100ms',
  window: 'baseline',
});
const recovered = sloSpec({
  name: 'recovered',
  sli: 'time_to_recover',
  objective: '<= 3s',
  preflight: false,
});

function board() {
  return new LiveScoreboard([delivery, latency, recovered], { settleMs: 2000 });
}

describe('live scoreboard', () => {
  it('shows an SLO only once its window opened, over that window so far', () => {
    const b = board();
    b.add(slice(0, { latencies: { 'fleet.e2e_latency': [[50, 10]] } }), ['run', 'baseline']);
    const inBaseline = b.evaluate({
      nowMs: 1000,
      windows: { baseline: [0, 1000], run: [0, 1000] },
      faults: [],
    });
    expect(inBaseline.map((s) => s.name)).toEqual(['latency', 'recovered']);
    expect(inBaseline[0]).toMatchObject({
      state: 'met',
      value: expect.closeTo(50, 0),
      objective: '<= 100ms',
    });
    // The baseline's latency keeps its own window's value once the fault window is open.
    b.add(slice(1000, { latencies: { 'fleet.e2e_latency': [[900, 10]] } }), ['run', 'fault']);
    const inFault = b.evaluate({
      nowMs: 2000,
      windows: { baseline: [0, 1000], fault: [1000, 2000], run: [0, 2000] },
      faults: [{ name: 'cut', startMs: 1000, endMs: 5000, instantaneous: false }],
    });
    expect(inFault.find((s) => s.name === 'latency')).toMatchObject({
      state: 'met',
      value: expect.closeTo(50, 0),
    });
    expect(inFault.find((s) => s.name === 'delivery')).toMatchObject({ state: 'nodata', value: null });
    expect(inFault.find((s) => s.name === 'recovered')).toMatchObject({ state: 'waiting' });
  });

  it('message SLIs read "pending" while counts settle, and breach as soon as the settled part does', () => {
    const b = board();
    b.add(
      slice(0, {
        counters: { 'fleet.expected': 100, 'fleet.delivered': 100 },
        gauges: { 'fleet.pending': 40 },
      }),
      ['run', 'fault'],
    );
    const ctx = { nowMs: 1000, windows: { fault: [0, 1000] as const, run: [0, 1000] as const }, faults: [] };
    expect(b.evaluate(ctx).find((s) => s.name === 'delivery')).toMatchObject({
      state: 'pending',
      pending: 40,
      value: 1,
    });
    b.add(
      slice(1000, {
        counters: { 'fleet.expected': 100, 'fleet.delivered': 50 },
        gauges: { 'fleet.pending': 40 },
      }),
      ['run', 'fault'],
    );
    const later = { ...ctx, nowMs: 2000, windows: { fault: [0, 2000] as const, run: [0, 2000] as const } };
    expect(b.evaluate(later).find((s) => s.name === 'delivery')).toMatchObject({
      state: 'breaching',
      value: 0.75,
    });
  });

  it('time_to_recover waits for the fault to end and then for the recovery, then reads its value', () => {
    const b = board();
    const up = { gauges: { 'fleet.connected': 10, 'fleet.target': 10 } };
    const down = { gauges: { 'fleet.connected': 0, 'fleet.target': 10 } };
    const fault = { name: 'cut', startMs: 1000, endMs: 2000, instantaneous: false };
    b.add(slice(0, up), ['run', 'baseline']);
    b.add(slice(1000, down), ['run', 'fault']);
    b.add(slice(2000, down), ['run', 'recovery']);
    const at = (nowMs: number) => ({
      nowMs,
      windows: {
        baseline: [0, 1000] as const,
        fault: [1000, 2000] as const,
        recovery: [2000, nowMs] as const,
        run: [0, nowMs] as const,
      },
      faults: [fault],
    });
    expect(b.evaluate(at(3000)).find((s) => s.name === 'recovered')).toMatchObject({
      state: 'waiting',
      value: null,
    });
    for (let t = 3000; t < 9000; t += 1000) b.add(slice(t, up), ['run', 'recovery']);
    // Back at 3 s, stable for the default 5 s: recovered 1 s after the fault ended.
    expect(b.evaluate(at(9000)).find((s) => s.name === 'recovered')).toMatchObject({
      state: 'met',
      value: 1000,
    });
  });
});
