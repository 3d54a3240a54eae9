import { describe, expect, it } from 'vitest';
import { SquallError } from '../core/errors.js';
import { UnitError } from '../core/units.js';
import { type RecoveryCriterion, recoverFrom, recoveryCriterion, timeToRecover } from './recovery.js';
import { repeat, type SliceSpec, series } from './test-support/slices.js';

const connected = (ratio: number): SliceSpec => ({
  gauges: { 'fleet.connected': ratio * 100, 'fleet.target': 100 },
});
const fleetCriterion: RecoveryCriterion = recoveryCriterion({}, 'fleet'); // connected_ratio >= 99%, stable 5 s

describe('recoveryCriterion', () => {
  it('defaults to connected_ratio for the fleet and success_ratio for a probe, stable 5 s', () => {
    expect(fleetCriterion.subject).toMatchObject({
      source: 'fleet',
      sli: { definition: { name: 'connected_ratio' } },
    });
    expect(fleetCriterion.objective).toMatchObject({ op: '>=', value: 0.99 });
    expect(fleetCriterion.stableMs).toBe(5000);
    const probe = recoveryCriterion({}, 'api');
    expect(probe.subject).toMatchObject({ source: 'api', sli: { definition: { name: 'success_ratio' } } });
  });

  it('takes of, source, objective and stable from params', () => {
    const c = recoveryCriterion({ of: 'e2e_latency_p99', objective: '<= 200ms', stable: '10s' }, 'fleet');
    expect(c.subject.sli.percentile).toBe(99);
    expect(c.objective).toMatchObject({ op: '<=', value: 200 });
    expect(c.stableMs).toBe(10_000);
    expect(recoveryCriterion({ source: 'api' }).subject.source).toBe('api');
  });

  it('rejects bad params before the run', () => {
    expect(() => recoveryCriterion({ of: 'delivery_rati' })).toThrow(SquallError);
    expect(() => recoveryCriterion({ of: 'e2e_latency_p99' })).toThrow(/params.objective: required/);
    expect(() => recoveryCriterion({ of: 'time_to_recover' })).toThrow(UnitError);
    expect(() => recoveryCriterion({ stable: 5 })).toThrow(/params.stable/);
    expect(() => recoveryCriterion({ stable: 'soon' })).toThrow(UnitError);
  });
});

describe('recoverFrom', () => {
  it('does not count a flapping recovery until it is stable', () => {
    // Fault ends at 10 s. Good at 11–12 s, flaps at 13 s, good from 14 s on.
    const slices = series([
      ...repeat(10, connected(1)),
      connected(0.5),
      connected(1),
      connected(1),
      connected(0.5),
      ...repeat(10, connected(1)),
    ]);
    // The streak from 14 s reaches 5 s at the end of the 18 s slice: recovered at 14 s.
    expect(recoverFrom(fleetCriterion, slices, 10_000, 24_000)).toEqual({
      status: 'recovered',
      fromMs: 10_000,
      recoveredAtMs: 14_000,
      valueMs: 4000,
    });
    // Without a stability window the first good slice would count.
    expect(recoverFrom({ ...fleetCriterion, stableMs: 0 }, slices, 10_000, 24_000).valueMs).toBe(1000);
  });

  it('is 0 when the SLI never left its objective', () => {
    const slices = series(repeat(20, connected(1)));
    expect(recoverFrom(fleetCriterion, slices, 10_000, 20_000).valueMs).toBe(0);
  });

  it('never recovered: the value runs to the end of the run', () => {
    const slices = series([
      ...repeat(10, connected(1)),
      ...repeat(8, connected(0.5)),
      ...repeat(2, connected(1)),
    ]);
    expect(recoverFrom(fleetCriterion, slices, 10_000, 20_000)).toEqual({
      status: 'never',
      fromMs: 10_000,
      recoveredAtMs: null,
      valueMs: 10_000,
    });
  });

  it('is nodata without data after the fault', () => {
    const slices = series(repeat(10, connected(1)));
    expect(recoverFrom(fleetCriterion, slices, 10_000, 20_000).status).toBe('nodata');
  });

  it('lets slices without data count as time but not as evidence', () => {
    // A probe every 3 s: data at 0, 3, 6 s after the fault.
    const ok: SliceSpec = { counters: { 'api.ok': 1, 'api.total': 1 } };
    const slices = series([ok, {}, {}, ok, {}, {}, ok]);
    const probe = recoveryCriterion({}, 'api');
    // Streak from 0 s reaches 5 s only at the end of the 6 s slice (7 s ≥ 5 s).
    expect(recoverFrom(probe, slices, 0, 7000)).toMatchObject({ status: 'recovered', valueMs: 0 });
    // A streak must end on evidence: silence after one good slice is not recovery.
    expect(recoverFrom(probe, series([ok, {}, {}, {}, {}, {}]), 0, 6000).status).toBe('never');
  });
});

describe('timeToRecover', () => {
  const slices = series([
    ...repeat(5, connected(1)),
    ...repeat(3, connected(0)), // kill at 5 s
    ...repeat(7, connected(1)), // recovered at 8 s
    ...repeat(2, connected(0.5)), // partition 15–20 s
    ...repeat(3, connected(0.5)),
    ...repeat(10, connected(1)), // recovered at 20 s
  ]);

  it('measures instantaneous faults from their start and others from their end; the slowest wins', () => {
    const ttr = timeToRecover(
      fleetCriterion,
      slices,
      [
        { name: 'kill', startMs: 5000, endMs: 5000, instantaneous: true },
        { name: 'partition', startMs: 15_000, endMs: 18_000, instantaneous: false },
      ],
      30_000,
    );
    expect(ttr.perFault.map((r) => [r.fault, r.valueMs])).toEqual([
      ['kill', 3000],
      ['partition', 2000],
    ]);
    expect(ttr).toMatchObject({ status: 'recovered', valueMs: 3000 });
  });

  it('is nodata without faults', () => {
    expect(timeToRecover(fleetCriterion, slices, [], 30_000)).toMatchObject({
      status: 'nodata',
      valueMs: null,
    });
  });
});
