import { describe, expect, it } from 'vitest';
import { resolveSli } from './catalog.js';
import { sloMathProblems } from './check.js';
import { recoveryPoint, recoveryTime } from './disaster.js';
import { recoveryCriterion, timeToRecover } from './recovery.js';
import { scoreRun } from './score.js';
import { repeat, type SliceSpec, series, sloSpec } from './test-support/slices.js';
import type { PhaseBoundaries } from './windows.js';

/** One second of a 100-device fleet: the connected share, and the loss window that began in it. */
const at = (connectedRatio: number, lossWindowMs = 0, lost = 0): SliceSpec => ({
  counters: { 'fleet.lost': lost, 'fleet.expected': 100, 'fleet.delivered': 100 - lost },
  gauges: {
    'fleet.connected': 100 * connectedRatio,
    'fleet.target': 100,
    'fleet.data_loss_window_ms': lossWindowMs,
  },
});

// The primary dies at 10 s; the standby is unreachable until 16 s; devices are back at 17 s.
// The longest gap (send time of the last reading before it to the first after it) is 7 s,
// dated where it began, at 10 s, with the 600 readings it lost.
const DR = series([...repeat(10, at(1)), at(0, 7000, 600), ...repeat(6, at(0)), ...repeat(13, at(1))]);
// A timed fault (the standby held down 10–16 s) and the instantaneous kill at 10 s.
const KILL = { name: 'kill-primary', startMs: 10_000, endMs: 10_000, instantaneous: true };
const STANDBY_DOWN = { name: 'standby-down', startMs: 10_000, endMs: 16_000, instantaneous: false };
const PHASES: PhaseBoundaries = {
  run: [0, 30_000],
  baseline: [0, 10_000],
  fault: [10_000, 16_000],
  recovery: [16_000, 30_000],
};
const fleet = recoveryCriterion({}, 'fleet'); // connected_ratio >= 99 %, stable 5 s

describe('rto', () => {
  it('counts from the start of a timed fault, where time_to_recover counts from its end', () => {
    expect(recoveryTime(fleet, DR, [STANDBY_DOWN], 30_000)).toMatchObject({
      status: 'recovered',
      valueMs: 7000,
    });
    expect(timeToRecover(fleet, DR, [STANDBY_DOWN], 30_000).valueMs).toBe(1000);
  });

  it('does not read the seconds before a late-noticed fault as recovered', () => {
    // A frozen broker: devices notice only when keepalive runs out, 8 s after the fault began,
    // and are back 4 s later. The first 8 s are good slices, longer than `stable` (5 s).
    const late = series([
      ...repeat(10, at(1)),
      ...repeat(8, at(1)),
      ...repeat(4, at(0)),
      ...repeat(8, at(1)),
    ]);
    expect(recoveryTime(fleet, late, [KILL], 30_000)).toMatchObject({ status: 'recovered', valueMs: 12_000 });
    // Never degraded at all: the service never went down, an RTO of 0.
    const calm = series(repeat(30, at(1)));
    expect(recoveryTime(fleet, calm, [KILL], 30_000)).toMatchObject({ status: 'recovered', valueMs: 0 });
  });

  it('takes the slowest of several faults, each from its own start', () => {
    const late = { name: 'late', startMs: 12_000, endMs: 13_000, instantaneous: false };
    const rto = recoveryTime(fleet, DR, [KILL, late], 30_000);
    expect(rto.perFault.map((r) => [r.fault, r.valueMs])).toEqual([
      ['kill-primary', 7000],
      ['late', 5000],
    ]);
    expect(rto.valueMs).toBe(7000);
  });

  it('never recovered runs to the end of the run; no faults is nodata', () => {
    const stuck = series([...repeat(10, at(1)), ...repeat(20, at(0.5))]);
    expect(recoveryTime(fleet, stuck, [KILL], 30_000)).toMatchObject({ status: 'never', valueMs: 20_000 });
    expect(recoveryTime(fleet, DR, [], 30_000)).toMatchObject({ status: 'nodata', valueMs: null });
  });

  it('takes the recovery criterion from params, as time_to_recover does', () => {
    const strict = recoveryCriterion({ of: 'connected_ratio', objective: '>= 99.9%', stable: '2s' }, 'fleet');
    const partly = series([
      ...repeat(10, at(1)),
      ...repeat(3, at(0)),
      ...repeat(2, at(0.995)),
      ...repeat(15, at(1)),
    ]);
    // 99.5 % connected from 13 s satisfies the default (99 %) but not 99.9 %: 3 s vs 5 s.
    expect(recoveryTime(fleet, partly, [KILL], 30_000).valueMs).toBe(3000);
    expect(recoveryTime(strict, partly, [KILL], 30_000).valueMs).toBe(5000);
  });
});

describe('rpo', () => {
  it('is the longest loss window declared from the first fault on', () => {
    expect(recoveryPoint(DR, [KILL, STANDBY_DOWN])).toEqual({ valueMs: 7000, status: 'measured' });
  });

  it('is 0 when nothing was lost, and nodata without faults or without a sink', () => {
    const clean = series(repeat(30, at(1)));
    expect(recoveryPoint(clean, [KILL])).toMatchObject({ valueMs: 0, status: 'measured' });
    expect(recoveryPoint(DR, [])).toMatchObject({ valueMs: null, status: 'nodata' });
    const noSink = series(repeat(30, { gauges: { 'fleet.connected': 100, 'fleet.target': 100 } }));
    expect(recoveryPoint(noSink, [KILL])).toMatchObject({ valueMs: null, status: 'nodata' });
  });

  it("counts only losses that began from the first fault on: a longer one in the baseline is not the fault's", () => {
    // Loss windows are dated where the loss began (docs/measurement.md): a 9 s gap in the
    // baseline slices, a 2 s one after the kill.
    const slices = series([
      ...repeat(5, at(1)),
      at(1, 9000),
      ...repeat(4, at(1)),
      at(1, 2000),
      ...repeat(19, at(1)),
    ]);
    expect(recoveryPoint(slices, [KILL])).toEqual({ valueMs: 2000, status: 'measured' });
  });

  it('counts a loss that began in the slice the fault struck in (injected a few ms after the slice began)', () => {
    const slices = series([...repeat(10, at(1)), at(1, 5000, 400), ...repeat(19, at(1))]);
    expect(recoveryPoint(slices, [{ ...KILL, startMs: 10_020, endMs: 10_020 }])).toEqual({
      valueMs: 5000,
      status: 'measured',
    });
  });
});

describe('scoring rto and rpo', () => {
  const score = (objectives: { rto: string; rpo: string }) =>
    scoreRun({
      slos: [
        sloSpec({ name: 'rto', sli: 'rto', objective: objectives.rto }),
        sloSpec({ name: 'rpo', sli: 'rpo', objective: objectives.rpo, window: 'recovery' }),
      ],
      slices: DR,
      phases: PHASES,
      faults: [KILL, STANDBY_DOWN],
    });

  it('meets declared targets, one measurement each with no error budget', () => {
    const s = score({ rto: '<= 10s', rpo: '<= 8s' });
    expect(s.hypothesis).toBe('holds');
    expect(s.slos[0]).toMatchObject({ status: 'met', value: 7000, unit: 'ms', budgetConsumed: null });
    expect(s.slos[1]).toMatchObject({ status: 'met', value: 7000, unit: 'ms', window: 'recovery' });
    expect(s.slos[1]!.windows.map((w) => [w.window, w.status])).toEqual([
      ['run', 'met'],
      ['baseline', 'nodata'],
      ['fault', 'nodata'],
      ['recovery', 'met'],
    ]);
  });

  it('breaches targets the disaster missed, with compliance target/value', () => {
    const s = score({ rto: '<= 5s', rpo: '<= 3500ms' });
    expect(s.hypothesis).toBe('rejected');
    expect(s.slos.map((r) => [r.status, r.compliance])).toEqual([
      ['breached', 5000 / 7000],
      ['breached', 0.5],
    ]);
  });

  it('is checked at load: rto takes a recovery criterion, rpo takes no params', () => {
    expect(resolveSli('rto')?.definition.unit).toBe('ms');
    expect(sloMathProblems(sloSpec({ sli: 'rto', objective: '<= 1m', params: { of: 'rpo' } }))).toEqual([
      { path: 'params', message: "params.of: 'rpo' cannot define recovery; name an SLI measured per slice" },
    ]);
    expect(sloMathProblems(sloSpec({ sli: 'rpo', objective: '<= 1m', params: { of: 'x' } }))).toEqual([
      { path: 'params.of', message: "'rpo' takes no params" },
    ]);
    expect(
      sloMathProblems(sloSpec({ sli: 'rpo', objective: '<= 1m', budgeting: 'timeslices' }))[0]?.path,
    ).toBe('budgeting');
  });
});
