/**
 * The experiment library, end to end: each file in experiments/ is run with the real CLI at CI
 * scale (a few hundred devices, phases of seconds) on the embedded loopback testbed, and its
 * verdict must be the one the system deserves — SLOs met where the design holds, exit 1 where
 * the file is a deliberately negative experiment. Needs: Node only (no root, no mosquitto).
 * One experiment at a time: each stands up its own testbed and fleet, and a shared CPU would
 * turn timing SLOs into noise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../engine/errors.js';
import {
  type ExperimentRun,
  leftoverPids,
  peakPerSecond,
  runExperiment,
  total,
} from './test-support/run-experiment.js';

const runs: ExperimentRun[] = [];
afterAll(() => {
  for (const r of runs) r.cleanup();
});

async function run(file: string, vars: Record<string, string | number> = {}): Promise<ExperimentRun> {
  const r = await runExperiment(file, vars);
  runs.push(r);
  expect(leftoverPids(r), 'testbed processes left running').toEqual([]);
  return r;
}

describe.sequential('experiment library', () => {
  it('broker-crash-herd: both strategies recover within the SLO; full jitter connects at a far lower peak rate', async () => {
    const immediate = await run('experiments/broker-crash-herd.yaml', { strategy: 'immediate' });
    expect(immediate.code, immediate.output).toBe(ExitCode.ok);
    const jitter = await run('experiments/broker-crash-herd.yaml', { strategy: 'full-jitter' });
    expect(jitter.code, jitter.output).toBe(ExitCode.ok);
    for (const r of [immediate, jitter]) {
      expect(r.summary.runbook).toBe('runbooks/broker-crash-herd.md');
      expect(r.slo('every-device-back').status).toBe('met');
    }
    // The connect rate the broker sees, from the journal's 1 s metrics slices.
    const peakImmediate = peakPerSecond(immediate, 'fleet.connect_attempts', true);
    const peakJitter = peakPerSecond(jitter, 'fleet.connect_attempts', true);
    expect(peakJitter).toBeLessThan(peakImmediate / 5);
    // Immediate lands the whole herd at once; jitter spreads it, so it takes longer to recover.
    expect(peakPerSecond(jitter, 'fleet.connect_ok', true)).toBeLessThan(peakPerSecond(immediate, 'fleet.connect_ok', true));
    expect(jitter.slo('every-device-back').value!).toBeGreaterThan(immediate.slo('every-device-back').value!);
    console.log(
      `herd: peak connect attempts/s immediate ${peakImmediate} vs full-jitter ${peakJitter}; ` +
        `time to recover ${immediate.slo('every-device-back').value} ms vs ${jitter.slo('every-device-back').value} ms`,
    );
  }, 90_000);
});
