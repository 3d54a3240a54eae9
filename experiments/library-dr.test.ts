/**
 * dr-failover end to end, with an oracle: the measured RTO and RPO must agree with the outage
 * the experiment injected. The primary cloud broker is SIGKILLed and stays dead; the standby
 * is frozen (SIGSTOP) for a known time D from the same instant, so devices that fail over wait
 * on it and connect the moment it thaws. The truth, from the journal: D = the standby's thaw
 * (its fault's revert) − the primary's kill. Tolerances come from the experiment's own config:
 *
 *   RTO ∈ [D − slice, D + retry + 0.5 s]: recovery is stamped at the start of the first good
 *       1 s slice (resolution one slice); a device between two attempts waits at most one
 *       retry interval; 0.5 s for CONNACKs of the whole fleet on a busy 2-core runner.
 *   RPO ∈ [D − 0.25 s, D + 3 × every + retry + 0.5 s]: a device's loss window runs from the
 *       send time of its last delivered reading (≤ 1 interval before the kill, 2 when the one
 *       in flight died with the primary) to its first reading after reconnecting (≤ 1
 *       interval after); 0.25 s for the SIGCONT-to-journal delay.
 *   lost ∈ devices × [D / every − 1, (D + retry + 0.5 s) / every + 2]: the readings due
 *       while each device was offline, ± the ones at the edges.
 *
 * Needs: Node only (no root, no mosquitto). ~25 s.
 */
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../engine/app/load.js';
import { ExitCode } from '../engine/core/errors.js';
import { libraryRunner } from './test-support/library-runs.js';
import { total } from './test-support/run-experiment.js';

const FILE = 'experiments/dr-failover.yaml';
const SLICE_MS = 1000;
const CONNECT_SLACK_MS = 500;
const EVENT_SLACK_MS = 250;

const runLibrary = libraryRunner();

interface NamedEvent {
  type: string;
  t: number;
  name?: string;
}

describe('dr-failover', () => {
  it('measures RTO and RPO that agree with the injected outage, within tolerances from its config', async () => {
    const { experiment } = await loadExperimentFile(new URL(`../${FILE}`, import.meta.url).pathname);
    const fleet = experiment.fleet!;
    const devices = fleet.devices!;
    const everyMs = fleet.telemetry!.every;
    const retryMs = fleet.reconnect.base;
    const planned = experiment.faults.find((f) => f.name === 'standby-not-ready')!.duration!;

    const r = await runLibrary(FILE);
    expect(r.code, r.output).toBe(ExitCode.ok);
    expect(r.summary.runbook).toBe('runbooks/dr-failover.md');

    const events = r.journal as NamedEvent[];
    const killedAt = events.find((e) => e.type === 'fault.injected' && e.name === 'lose-primary')!.t;
    const thawedAt = events.find((e) => e.type === 'fault.reverted' && e.name === 'standby-not-ready')!.t;
    const outageMs = thawedAt - killedAt;
    // The outage the devices lived through is the one planned, give or take scheduling.
    expect(Math.abs(outageMs - planned)).toBeLessThan(EVENT_SLACK_MS);

    // Every device failed over, once: the primary never came back to lure them home.
    expect(total(r, 'fleet.failovers')).toBe(devices);

    const rto = r.slo('rto');
    const rpo = r.slo('rpo');
    const lost = total(r, 'fleet.lost');
    console.log(
      `dr-failover: injected outage ${outageMs} ms (planned ${planned}); RTO ${rto.value} ms, RPO ${rpo.value} ms, ` +
        `${lost} readings lost (devices × D / every = ${Math.round((devices * outageMs) / everyMs)})`,
    );
    expect(rto.status).toBe('met');
    expect(rto.value!).toBeGreaterThanOrEqual(outageMs - SLICE_MS);
    expect(rto.value!).toBeLessThanOrEqual(outageMs + retryMs + CONNECT_SLACK_MS);

    expect(rpo.status).toBe('met');
    expect(rpo.value!).toBeGreaterThanOrEqual(outageMs - EVENT_SLACK_MS);
    expect(rpo.value!).toBeLessThanOrEqual(outageMs + 3 * everyMs + retryMs + CONNECT_SLACK_MS);

    expect(lost).toBeGreaterThanOrEqual(devices * (outageMs / everyMs - 1));
    expect(lost).toBeLessThanOrEqual(devices * ((outageMs + retryMs + CONNECT_SLACK_MS) / everyMs + 2));
  }, 90_000);
});
