/**
 * Integration: a shard killed (SIGKILL) mid-run against a real aedes on port 0. Its devices'
 * telemetry does not vanish from the accounting: what they sent and the sink never got, and
 * what they would have sent after the kill until the fleet stopped, are expected and lost in
 * the delivery ledger, and `shard_unsent` plus the shard's failure entry say so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from './clock.js';
import { createFleet, type Fleet } from './fleet.js';
import { type AedesBroker, startAedes } from './test-support/brokers.js';

let broker: AedesBroker | undefined;
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await broker?.close();
  broker = undefined;
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DEVICES = 40;
const INTERVAL_MS = 100;

describe('a crashed shard', () => {
  it("counts its devices' unsent tail as expected and lost", async () => {
    broker = await startAedes();
    fleet = createFleet({
      engine: {
        broker: { host: broker.host, port: broker.port },
        connectRatePerS: 5000,
        groups: [{ count: DEVICES, telemetry: { intervalMs: INTERVAL_MS, qos: 1, topic: 't/{index}' } }],
      },
      sink: { topic: 't/#', connections: 1, qos: 1, graceMs: 300, protocolVersion: 4 },
      shards: 2,
    });
    const t0 = nowMs();
    await fleet.start();
    await fleet.waitConnected(1, 10_000);
    const t1 = nowMs();
    await sleep(1100); // at least one report from each shard
    const killedMs = nowMs();
    process.kill(fleet.shardPids()[1]!, 'SIGKILL');
    await sleep(1000);
    const stopMs = nowMs();
    await fleet.stop();
    const snap = fleet.snapshot();
    const unsent = fleet.runTotals().counters.shard_unsent ?? 0;
    fleet = undefined;

    // Shard 1's 20 devices, from the kill to stop: one seq per device per interval, ±1 per
    // device at the ends (and one in flight at the kill).
    const half = DEVICES / 2;
    expect(unsent).toBeGreaterThanOrEqual((half * (stopMs - killedMs)) / INTERVAL_MS - half);
    expect(unsent).toBeLessThanOrEqual((half * (stopMs - killedMs)) / INTERVAL_MS + 2 * half);
    const sink = snap.sink!;
    expect(sink.lost).toBeGreaterThanOrEqual(unsent);
    expect(sink.expected).toBe(sink.delivered + sink.lost);
    // Every device, crashed or not, is expected to have published once per interval until stop.
    // The surviving shard skips (without a seq) a slot its event loop was too late for, so a
    // busy runner sends less than one per interval: 20% slack below.
    expect(sink.expected).toBeGreaterThanOrEqual((0.8 * DEVICES * (stopMs - t1)) / INTERVAL_MS - DEVICES);
    expect(sink.expected).toBeLessThanOrEqual((DEVICES * (stopMs - t0)) / INTERVAL_MS + 2 * DEVICES);
    const failure = snap.failures.find((f) => f.cause === 'shard')!;
    expect(failure.detail).toBe(
      `shard 1 (devices 20–39) died: SIGKILL; ${unsent} telemetry messages its devices never sent are counted lost`,
    );
  }, 30_000);
});
