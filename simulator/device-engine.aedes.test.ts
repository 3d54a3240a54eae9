/**
 * Integration: the lean engine against a real aedes broker started here on port 0 (MQTT 3.1.1;
 * aedes 1.x has no MQTT 5). Proves connect, publish QoS 0/1 with PUBACK accounting, subscribe,
 * keepalive, reconnect after broker-side drops, refused CONNACKs and unreachable brokers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../engine/core/ports.js';
import { DeviceEngine } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { createSink, type Sink } from './sink.js';
import { type AedesBroker, startAedes } from './test-support/brokers.js';

let broker: AedesBroker | undefined;
const engines: DeviceEngine[] = [];
const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  await broker?.close();
  broker = undefined;
});

function engine(input: Omit<DeviceEngineInput, 'broker'> & { broker?: DeviceEngineInput['broker'] }) {
  const target = input.broker ?? { host: broker!.host, port: broker!.port };
  const e = new DeviceEngine(resolveEngineConfig({ ...input, broker: target }));
  engines.push(e);
  return e;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('device engine × aedes', () => {
  it.each([0, 1] as const)(
    'publishes telemetry at QoS %i and the sink accounts for every message',
    async (qos) => {
      broker = await startAedes();
      const sink = createSink({ broker, topic: 't/#', qos, graceMs: 500 });
      sinks.push(sink);
      sink.start();
      await sink.waitReady();
      const fleet = engine({
        connectRatePerS: 2000,
        groups: [{ count: 40, telemetry: { intervalMs: 100, qos, payloadBytes: 64 } }],
      });
      fleet.start();
      await fleet.waitConnected(40, 5000);
      await sleep(600);
      await fleet.stop();
      await sleep(100);
      sink.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
      const totals = sink.accounting.totals();
      const published = fleet.metrics.total.published;
      expect(published).toBeGreaterThanOrEqual(40 * 4);
      expect(totals).toMatchObject({ delivered: published, expected: published, lost: 0, duplicates: 0 });
      expect(fleet.metrics.total.connect_ok).toBe(40);
      if (qos === 1) expect(fleet.metrics.total.acked + fleet.inflightPublishes).toBe(published);
      const reading = fleet.collect();
      expect(reading.histograms!.connect_latency!.totalCount).toBe(40);
      expect(reading.histograms!.puback_latency!.totalCount).toBe(fleet.metrics.total.acked);
      expect(sink.accounting.collect().histograms!.e2e_latency!.totalCount).toBe(published);
    },
  );

  it('ramps at the configured connect rate', async () => {
    broker = await startAedes();
    const fleet = engine({ connectRatePerS: 200, groups: [{ count: 60 }] });
    const started = Date.now();
    fleet.start();
    await fleet.waitConnected(60, 5000);
    const elapsedMs = Date.now() - started;
    // 60 devices at 200/s: ≈ 300 ms (the first token is free).
    expect(elapsedMs).toBeGreaterThan(240);
    expect(elapsedMs).toBeLessThan(1500);
  });

  it('sends PINGREQ within keepalive and the broker answers', async () => {
    broker = await startAedes();
    const fleet = engine({ groups: [{ count: 3, keepaliveS: 1 }] });
    fleet.start();
    await fleet.waitConnected(3);
    await sleep(1300);
    expect(fleet.metrics.total.pings).toBeGreaterThanOrEqual(3);
    expect(fleet.connected).toBe(3);
    expect(fleet.metrics.total.disconnects).toBe(0);
  });

  it('reconnects devices the broker drops and measures reconnect time', async () => {
    broker = await startAedes();
    const fleet = engine({
      reconnect: { strategy: 'fixed', baseMs: 100, capMs: 100 },
      groups: [{ count: 20 }],
    });
    fleet.start();
    await fleet.waitConnected(20);
    fleet.collect();
    for (const s of broker.sockets) s.destroy();
    await fleet.waitFor(
      () => fleet.metrics.total.connect_ok >= 40,
      5000,
      () => 'reconnects',
    );
    await fleet.waitConnected(20);
    const r = fleet.collect();
    expect(r.counters!.disconnects).toBe(20);
    const h = r.histograms!.reconnect_time!;
    expect(h.totalCount).toBe(20);
    expect(h.minNonZeroValue / 1000).toBeGreaterThanOrEqual(95); // fixed 100 ms backoff
  });

  it('reports refused CONNACKs with the reason and the count affected', async () => {
    broker = await startAedes({
      authenticate: (_client, username, _password, done) => {
        const error = Object.assign(new Error('bad'), { returnCode: 4 as const });
        done(username === 'good' ? null : error, username === 'good');
      },
    });
    const fleet = engine({
      reconnect: { strategy: 'none' },
      groups: [{ count: 5, username: 'bad-{index}', password: 'x' }],
    });
    fleet.start();
    await fleet.waitFor(
      () => fleet.snapshot().gaveUp === 5,
      5000,
      () => 'gave up',
    );
    const snap = fleet.snapshot();
    expect(snap.totals.connect_refused).toBe(5);
    expect(snap.failures).toEqual([
      { cause: 'refused', detail: 'CONNACK 0x04 (bad user name or password)', count: 5 },
    ]);
  });

  it('reports an unreachable broker with the count affected', async () => {
    const port = await freePort(); // nothing listens
    const fleet = engine({
      broker: { host: '127.0.0.1', port },
      reconnect: { strategy: 'none' },
      groups: [{ count: 7 }],
    });
    fleet.start();
    await fleet.waitFor(
      () => fleet.snapshot().gaveUp === 7,
      5000,
      () => 'gave up',
    );
    const [failure] = fleet.snapshot().failures;
    expect(failure).toMatchObject({ cause: 'unreachable', count: 7 });
    expect(failure!.detail).toMatch(/ECONNREFUSED/);
  });
});
