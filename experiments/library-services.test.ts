/**
 * The library's cloud-service experiments, end to end with the real CLI on the embedded loopback
 * testbed (as library.test.ts does for the others): dependency-timeout (the ingest's circuit
 * breaker, opossum, against a slowed downstream), slow-consumer (a throttled consumer at QoS 1)
 * and noisy-tenant (the broker's per-tenant bulkhead against a flood). Each verdict must be the
 * one the system deserves, and the numbers behind it are checked against what the processes
 * themselves reported. Needs: Node only (no root, no mosquitto); fixed loopback ports 18480
 * (the ingest's API) and 18490 (the flood's), as the experiment files name them.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../engine/core/errors.js';
import { libraryRunner } from './test-support/library-runs.js';
import { type ExperimentRun, type JournalEvent, total } from './test-support/run-experiment.js';

const runLibrary = libraryRunner();

async function run(file: string, vars: Record<string, string | number> = {}): Promise<ExperimentRun> {
  const r = await runLibrary(file, vars);
  // The services are testbed processes too: none may outlive the run.
  expect(await refused(18480), 'the ingest still listens after the run').toBe(true);
  expect(await refused(18490), 'the flood still listens after the run').toBe(true);
  return r;
}

async function refused(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return false;
  } catch {
    return true;
  }
}

const eventT = (r: ExperimentRun, type: string): number => {
  const e = r.journal.find((x) => x.type === type);
  if (!e) throw new Error(`no ${type} in the journal`);
  return e.t;
};

/** `ingest: breaker <state> at <epoch ms>` lines the ingest printed, in order. */
function transitions(r: ExperimentRun): { state: string; atMs: number }[] {
  return [...r.output.matchAll(/^ingest: breaker (\w+) at (\d+)$/gm)].map((m) => ({
    state: m[1]!,
    atMs: Number(m[2]),
  }));
}

/** Per-slice p99 (ms) of a histogram the journal's metrics carry. */
function sliceP99(e: JournalEvent, histogram: string): number {
  const l = (e as { latencies?: Record<string, { p99?: number }> }).latencies;
  return l?.[histogram]?.p99 ?? 0;
}

describe.sequential('experiment library: cloud services', () => {
  it('dependency-timeout: the breaker opens within its threshold, fails fast while open, closes after recovery', async () => {
    const r = await run('experiments/dependency-timeout.yaml');
    expect(r.code, r.output).toBe(ExitCode.ok);
    expect(r.summary.runbook).toBe('runbooks/dependency-timeout.md');
    for (const s of r.summary.slos) expect(s.status, s.name).toBe('met');

    // From the ingest's own clock: opened after the fault, within 1.5 s of it. Not before the
    // 250 ms timeout had run out on the first slow calls: it was the slowness that opened it.
    const injectedAt = eventT(r, 'fault.injected');
    const revertedAt = eventT(r, 'fault.reverted');
    const seen = transitions(r);
    const opened = seen.find((t) => t.state === 'open' && t.atMs >= injectedAt);
    expect(opened, r.output).toBeDefined();
    const openAfterMs = opened!.atMs - injectedAt;
    expect(openAfterMs).toBeGreaterThanOrEqual(250);
    expect(openAfterMs).toBeLessThanOrEqual(1500);
    // While the dependency stayed slow, each half-open trial failed and reopened it.
    const during = seen.filter((t) => t.atMs > opened!.atMs && t.atMs < revertedAt);
    expect(during.filter((t) => t.state === 'halfOpen').length).toBeGreaterThanOrEqual(2);
    expect(seen.some((t) => t.state === 'closed' && t.atMs > opened!.atMs && t.atMs < revertedAt)).toBe(
      false,
    );
    // Closed again after the revert: the next trial (≤ resetTimeout 1 s, plus one 250 ms trial
    // that may have started just before the revert) succeeded.
    const closed = seen.find((t) => t.state === 'closed' && t.atMs >= revertedAt);
    expect(closed, r.output).toBeDefined();
    const closeAfterMs = closed!.atMs - revertedAt;
    expect(closeAfterMs).toBeLessThanOrEqual(1250 + 500);

    // Failing fast, not waiting: no lookup ever hit the probe's 3 s timeout, the p99 is bounded
    // by the breaker's 250 ms timeout (the dependency took 2 s), the p90 is milliseconds.
    expect(total(r, 'lookup.errors')).toBe(0);
    expect(total(r, 'lookup.total')).toBeGreaterThan(100);
    expect(r.slo('bounded-by-timeout').value!).toBeLessThanOrEqual(400);
    expect(r.slo('fails-fast').value!).toBeLessThanOrEqual(50);
    expect(r.slo('closes-after-recovery').value!).toBeLessThanOrEqual(3000);
    console.log(
      `dependency-timeout: breaker open ${openAfterMs} ms after the fault, closed ${closeAfterMs} ms after the revert; ` +
        `lookup p90 ${r.slo('fails-fast').value} ms, p99 ${r.slo('bounded-by-timeout').value} ms in the fault; ` +
        `closed-share ${r.slo('opens-within-threshold').value}, time to recover ${r.slo('closes-after-recovery').value} ms`,
    );
  }, 60_000);

  it('slow-consumer: the consumer is throttled, its lag grows by seconds and drains; devices unaffected, nothing lost', async () => {
    const r = await run('experiments/slow-consumer.yaml');
    expect(r.code, r.output).toBe(ExitCode.ok);
    expect(r.slo('zero-loss')).toMatchObject({ status: 'met', value: 0 });
    expect(r.slo('all-delivered')).toMatchObject({ status: 'met', value: 1 });
    expect(total(r, 'fleet.lost')).toBe(0);
    expect(total(r, 'fleet.dropped_backpressure')).toBe(0);
    // The throttle really held the consumer back: while it lasted, most of what the fleet
    // published was still on its way (pending: sent, not yet at the sink; every message counts
    // as delivered in the slice it was sent in once it arrives), and the lag (e2e p99 per
    // slice) grew past a second.
    const injectedAt = eventT(r, 'fault.injected');
    const revertedAt = eventT(r, 'fault.reverted');
    const inFault = r.metrics().filter((e) => e.t > injectedAt + 1000 && e.t <= revertedAt);
    const published = inFault.reduce((a, e) => a + (e.counters?.['fleet.published'] ?? 0), 0);
    const peakPending = Math.max(...inFault.map((e) => e.gauges?.['fleet.pending'] ?? 0));
    expect(peakPending).toBeGreaterThan(published / 2);
    const peakLagMs = Math.max(...r.metrics().map((e) => sliceP99(e, 'fleet.e2e_latency')));
    expect(peakLagMs).toBeGreaterThan(1000);
    // ...while the devices were acknowledged as usual, and the backlog drained in time.
    expect(r.slo('devices-unaware').value!).toBeLessThanOrEqual(250);
    expect(r.slo('lag-drained').value!).toBeLessThanOrEqual(4000);
    console.log(
      `slow-consumer: peak lag ${peakLagMs} ms; in the fault ${peakPending} pending at most of ${published} published; ` +
        `drained in ${r.slo('lag-drained').value} ms; device PUBACK p99 ${r.slo('devices-unaware').value} ms`,
    );
  }, 60_000);

  it('noisy-tenant: the bulkhead holds the flood to its quota; acme and globex keep their SLOs', async () => {
    const r = await run('experiments/noisy-tenant.yaml');
    expect(r.code, r.output).toBe(ExitCode.ok);
    for (const s of r.summary.slos) expect(s.status, s.name).toBe('met');
    // Per-tenant SLIs really are per tenant: each quiet tenant got about half of the traffic.
    for (const tenant of ['acme', 'globex']) {
      expect(r.slo(`${tenant}-no-loss`).value).toBe(0);
      expect(total(r, `fleet.delivered{tenant=${tenant}}`)).toBeGreaterThan(1000);
    }
    // The flood process's own count: it offered ~5,000/s and the broker took ~1,000/s of it.
    const m = /flood: tenant noisy offered (\d+), acked (\d+), skipped (\d+)/.exec(r.output);
    expect(m, r.output).not.toBeNull();
    const [offered, acked] = [Number(m![1]), Number(m![2])];
    expect(offered).toBeGreaterThan(3 * acked);
    const runS = (eventT(r, 'verdict') - r.journal[0]!.t) / 1000;
    expect(acked / runS).toBeLessThan(1500);
    console.log(
      `noisy-tenant: flood offered ${offered}, acked ${acked} (${Math.round(acked / runS)}/s over ${runS.toFixed(1)} s); ` +
        `acme p99 ${r.slo('acme-p99').value} ms, globex p99 ${r.slo('globex-p99').value} ms`,
    );
  }, 60_000);
});
