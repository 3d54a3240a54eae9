import { describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import type { SloResult } from '../core/journal-events.js';
import { resilienceScore, scoreRun, steadyState, verdictOf } from './score.js';
import { repeat, type SliceSpec, series, sloSpec } from './test-support/slices.js';
import type { PhaseBoundaries } from './windows.js';

const PHASES: PhaseBoundaries = {
  run: [0, 30_000],
  baseline: [0, 10_000],
  fault: [10_000, 20_000],
  recovery: [20_000, 30_000],
};
const KILL = { name: 'kill-broker', startMs: 10_000, endMs: 10_000, instantaneous: true };

/** 1000 expected per second; e2e latency 100 ms; all connected — then what the fault changes. */
function second(lost: number, connectedRatio: number, slowSamples = 0): SliceSpec {
  return {
    counters: { 'fleet.delivered': 1000 - lost, 'fleet.expected': 1000, 'fleet.lost': lost },
    gauges: { 'fleet.connected': 100 * connectedRatio, 'fleet.target': 100 },
    latencies: {
      'fleet.e2e_latency': [
        [100, 100 - slowSamples],
        [1000, slowSamples],
      ],
    },
  };
}

// Baseline clean; the kill disconnects everyone for 3 s and loses 20 messages/s; recovered at 13 s.
const SLICES = series([
  ...repeat(10, second(0, 1)),
  ...repeat(3, second(20, 0, 50)),
  ...repeat(17, second(0, 1)),
]);

describe('scoreRun', () => {
  it('holds when every SLO is met, and reports every window', () => {
    const score = scoreRun({
      slos: [
        sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99%' }),
        sloSpec({ name: 'latency', sli: 'e2e_latency_p99', objective: '<= 500ms', window: 'baseline' }),
        sloSpec({ name: 'recovered', sli: 'time_to_recover', objective: '<= 5s' }),
      ],
      slices: SLICES,
      phases: PHASES,
      faults: [KILL],
    });
    expect(score.hypothesis).toBe('holds');
    expect(score.resilienceScore).toBe(100);
    const [delivery, latency, recovered] = score.slos;
    expect(delivery).toMatchObject({
      status: 'met',
      unit: 'ratio',
      compliance: 1,
      source: 'fleet',
      objective: '>= 99%',
    });
    expect(delivery!.value).toBeCloseTo(29_940 / 30_000, 12);
    expect(delivery!.budgetConsumed).toBeCloseTo(60 / 300, 9);
    expect(delivery!.windows.map((w) => [w.window, w.status])).toEqual([
      ['run', 'met'],
      ['baseline', 'met'],
      ['fault', 'met'],
      ['recovery', 'met'],
    ]);
    expect(latency).toMatchObject({ status: 'met', unit: 'ms', window: 'baseline' });
    expect(latency!.windows.find((w) => w.window === 'fault')!.status).toBe('breached'); // 150 of 1000 slow
    expect(recovered).toMatchObject({ status: 'met', value: 3000, unit: 'ms', budgetConsumed: null });
    expect(recovered!.windows.map((w) => [w.window, w.status, w.value])).toEqual([
      ['run', 'met', 3000],
      ['baseline', 'nodata', null],
      ['fault', 'nodata', null],
      ['recovery', 'nodata', null],
    ]);
    expect(score.notes).toEqual([]);
  });

  it('is rejected when any SLO breaches; the score is the weighted mean of compliance', () => {
    const score = scoreRun({
      slos: [
        sloSpec({ name: 'no-loss', sli: 'messages_lost', objective: '== 0', weight: 2 }),
        sloSpec({ name: 'fault-latency', sli: 'e2e_latency_p99', objective: '<= 500ms', window: 'fault' }),
        sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99%' }),
      ],
      slices: SLICES,
      phases: PHASES,
      faults: [KILL],
    });
    expect(score.hypothesis).toBe('rejected');
    const [loss, latency] = score.slos;
    expect(loss).toMatchObject({ status: 'breached', value: 60, compliance: 0, budgetConsumed: 1000 });
    expect(latency!.status).toBe('breached');
    expect(latency!.compliance).toBeCloseTo(500 / latency!.value!, 9); // p99 ≈ 1000 ms → ≈ 0.5
    // (2 × 0 + 1 × 0.4998 + 1 × 1) / 4 ≈ 37.5
    expect(score.resilienceScore).toBeCloseTo((100 * (latency!.compliance + 1)) / 4, 1);
  });

  it('flags a fault that was never recovered from', () => {
    const slices = series([...repeat(10, second(0, 1)), ...repeat(20, second(0, 0.5))]);
    const score = scoreRun({
      slos: [sloSpec({ name: 'recovered', sli: 'time_to_recover', objective: '<= 60s' })],
      slices,
      phases: PHASES,
      faults: [KILL],
    });
    // 20 s to the end of the run would meet `<= 60s`, but it never recovered: breached.
    expect(score.slos[0]).toMatchObject({ status: 'breached', value: 20_000, compliance: 0 });
    expect(score.hypothesis).toBe('rejected');
    expect(score.notes[0]!.message).toMatch(/never recovered from fault 'kill-broker'/);
  });

  it('is inconclusive when nothing breached but an SLO had no data; nodata scores 0', () => {
    const score = scoreRun({
      slos: [
        sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99%' }),
        sloSpec({ name: 'api', sli: 'success_ratio', source: 'api', objective: '>= 99%' }),
      ],
      slices: SLICES,
      phases: PHASES,
      faults: [KILL],
    });
    expect(score.hypothesis).toBe('inconclusive');
    expect(score.slos[1]).toMatchObject({
      status: 'nodata',
      value: null,
      compliance: 0,
      budgetConsumed: null,
    });
    expect(score.resilienceScore).toBe(50);
    expect(score.notes).toEqual([
      { slo: 'api', message: "no data in the run window for success_ratio from 'api'" },
    ]);
  });

  it('rejects an unknown SLI', () => {
    const run = () =>
      scoreRun({
        slos: [sloSpec({ sli: 'delivery_rate', objective: '>= 99%' })],
        slices: [],
        phases: PHASES,
        faults: [],
      });
    expect(run).toThrow(SquallError);
  });
});

describe('verdict and score', () => {
  const results = (statuses: readonly string[]) =>
    statuses.map((s) => {
      const [status, expect] = s.split(':') as [SloResult['status'], SloResult['expect']];
      return { status, expect };
    });
  it.each([
    [['met', 'met'], 'holds'],
    [['met', 'breached', 'nodata'], 'rejected'],
    [['met', 'nodata'], 'inconclusive'],
    [[], 'inconclusive'],
    // Negative controls (status:expect).
    [['breached:breached', 'met:met'], 'holds'],
    [['met:breached', 'met'], 'rejected'],
    [['nodata:breached', 'met'], 'inconclusive'],
    [['breached:breached', 'breached:met'], 'rejected'],
  ] as const)('%j → %s', (statuses, verdict) => expect(verdictOf(results(statuses))).toBe(verdict));

  it('weights compliance and rounds to one decimal', () => {
    expect(
      resilienceScore([
        { compliance: 1, weight: 2 },
        { compliance: 0.5, weight: 1 },
      ]),
    ).toBe(83.3);
    expect(resilienceScore([])).toBe(0);
  });
});

describe('negative controls (expect: breached)', () => {
  const lossSlo = (extra: Partial<Parameters<typeof sloSpec>[0]> = {}) =>
    sloSpec({ name: 'no-loss', sli: 'messages_lost', objective: '== 0', ...extra });
  const score = (slos: ReturnType<typeof sloSpec>[], slices = SLICES, expect?: 'breached') =>
    scoreRun({ slos, slices, phases: PHASES, faults: [KILL], expect });

  it('an expected breach that happens holds; the score still measures the breach', () => {
    const r = score([lossSlo({ expect: 'breached' })]);
    expect(r.hypothesis).toBe('holds');
    expect(r.slos[0]).toMatchObject({ status: 'breached', expect: 'breached', value: 60 });
    // Same compliance as without the expectation: the score is about the system, not the verdict.
    expect(r.resilienceScore).toBe(score([lossSlo()]).resilienceScore);
    expect(r.resilienceScore).toBeLessThan(100);
  });

  it('an expected breach that does not happen rejects the hypothesis', () => {
    const clean = series(repeat(30, second(0, 1)));
    const r = score([lossSlo({ expect: 'breached' })], clean);
    expect(r.hypothesis).toBe('rejected');
    expect(r.slos[0]).toMatchObject({ status: 'met', expect: 'breached', value: 0 });
    expect(r.resilienceScore).toBe(100);
  });

  it("the experiment's expect is the default; an SLO's own expect wins", () => {
    const back = sloSpec({
      name: 'back',
      sli: 'time_to_recover',
      objective: '<= 5s',
      params: { of: 'connected_ratio', objective: '>= 99%', stable: '2s' },
      expect: 'met',
    });
    const r = score([lossSlo(), back], SLICES, 'breached');
    expect(r.slos.map((s) => [s.name, s.status, s.expect])).toEqual([
      ['no-loss', 'breached', 'breached'],
      ['back', 'met', 'met'],
    ]);
    expect(r.hypothesis).toBe('holds');
    expect(score([lossSlo()]).slos[0]!.expect).toBe('met');
  });
});

describe('steadyState', () => {
  const slos = [
    sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99%' }),
    sloSpec({ name: 'steady-loss', sli: 'messages_lost', objective: '== 0', window: 'baseline' }),
    sloSpec({ name: 'lost', sli: 'messages_lost', objective: '== 0', preflight: false }),
    // Not steady state by default: a fault-window objective, a rare-event SLI, a derived one.
    sloSpec({ name: 'fault-loss', sli: 'delivery_ratio', objective: '>= 100%', window: 'fault' }),
    sloSpec({ name: 'reconnects', sli: 'reconnect_time_p99', objective: '<= 5s' }),
    sloSpec({ name: 'recovered', sli: 'time_to_recover', objective: '<= 5s' }),
  ];

  it('checks baseline and run SLOs measurable at rest; nodata does not refute steady state', () => {
    expect(steadyState(slos, SLICES.slice(0, 3))).toEqual({
      holds: true,
      slos: [
        { name: 'delivery', status: 'met', value: 1 },
        { name: 'steady-loss', status: 'met', value: 0 },
      ],
    });
  });

  it('fails on a breach of a steady-state SLO, never on a fault-window one', () => {
    const lossy = SLICES.slice(10, 13); // 2 % lost
    expect(steadyState(slos, lossy).holds).toBe(false);
    const faultOnly = [slos[3]!, slos[4]!, slos[5]!];
    expect(steadyState(faultOnly, lossy)).toEqual({ holds: true, slos: [] });
  });

  it('checks a rare-event SLI when the SLO opts in', () => {
    const optIn = sloSpec({
      name: 'reconnects',
      sli: 'reconnect_time_p99',
      objective: '<= 5s',
      preflight: true,
    });
    expect(steadyState([optIn], SLICES.slice(0, 3)).slos).toEqual([
      { name: 'reconnects', status: 'nodata', value: null },
    ]);
  });
});
