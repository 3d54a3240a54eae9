/**
 * Integration: the lean engine against Debian's mosquitto (`/usr/sbin/mosquitto`, apt package
 * `mosquitto`), spawned per test on a free port with a generated config. Proves MQTT 3.1.1 and
 * 5 connect/publish/subscribe, shared-subscription sinks, QoS 1 redelivery after a forced
 * disconnect counted as duplicates, and persistent sessions resuming. Skipped without mosquitto.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEngine } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { createSink, type Sink } from './sink.js';
import { hasMosquitto, type MosquittoBroker, startMosquitto } from './test-support/brokers.js';
import { type MqttProxy, startMqttProxy } from './test-support/mqtt-proxy.js';

let broker: MosquittoBroker | undefined;
let proxy: MqttProxy | undefined;
const engines: DeviceEngine[] = [];
const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  await proxy?.close();
  proxy = undefined;
  await broker?.close();
  broker = undefined;
});

function engine(input: Omit<DeviceEngineInput, 'broker'> & { broker?: DeviceEngineInput['broker'] }) {
  const target = input.broker ?? { host: broker!.host, port: broker!.port };
  const e = new DeviceEngine(resolveEngineConfig({ ...input, broker: target }));
  engines.push(e);
  return e;
}
function sink(options: Partial<Parameters<typeof createSink>[0]> = {}) {
  const s = createSink({ broker: broker!, topic: 't/#', qos: 1, graceMs: 500, ...options });
  sinks.push(s);
  s.start();
  return s;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasMosquitto())('device engine × mosquitto', () => {
  it.each([
    [4, 0],
    [4, 1],
    [5, 0],
    [5, 1],
  ] as const)('MQTT v%i QoS %i: publish, subscribe, exact accounting', async (protocolVersion, qos) => {
    broker = await startMosquitto();
    const s = sink({ protocolVersion, qos });
    await s.waitReady();
    const fleet = engine({
      groups: [{ count: 30, protocolVersion, telemetry: { intervalMs: 100, qos, payloadBytes: 128 } }],
    });
    fleet.start();
    await fleet.waitConnected(30, 5000);
    await sleep(500);
    await fleet.stop();
    await sleep(100);
    s.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
    const published = fleet.metrics.total.published;
    expect(published).toBeGreaterThanOrEqual(30 * 2); // ≈ 150 nominal
    expect(s.accounting.totals()).toMatchObject({
      delivered: published,
      lost: 0,
      duplicates: 0,
      out_of_order: 0,
    });
    if (qos === 1) expect(fleet.metrics.total.acked + fleet.inflightPublishes).toBe(published);
  });

  it('MQTT 5 shared subscription spreads one stream over several sink connections', async () => {
    broker = await startMosquitto();
    const s = sink({ protocolVersion: 5, connections: 3, qos: 1 });
    await s.waitReady();
    const fleet = engine({
      groups: [{ count: 20, protocolVersion: 5, telemetry: { intervalMs: 50, qos: 1 } }],
    });
    fleet.start();
    await fleet.waitConnected(20);
    await sleep(400);
    await fleet.stop();
    await sleep(100);
    s.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
    expect(s.accounting.totals()).toMatchObject({
      delivered: fleet.metrics.total.published,
      lost: 0,
      duplicates: 0,
    });
    // Each subscriber connection got a share, not a copy.
    expect(s.engine.metrics.total.received).toBe(fleet.metrics.total.published);
  });

  it.each([4, 5] as const)(
    'v%i: QoS 1 redelivery after a forced disconnect is counted as duplicates',
    async (protocolVersion) => {
      broker = await startMosquitto();
      proxy = await startMqttProxy(broker);
      const s = sink({ protocolVersion, qos: 1 });
      await s.waitReady();
      const fleet = engine({
        broker: { host: '127.0.0.1', port: proxy.port },
        reconnect: { strategy: 'fixed', baseMs: 50, capMs: 50 },
        groups: [
          {
            count: 5,
            protocolVersion,
            clean: false,
            telemetry: { intervalMs: 50, qos: 1, offline: 'pause' },
          },
        ],
      });
      fleet.start();
      await fleet.waitConnected(5);
      await sleep(150);
      proxy.blackholeDown(true); // PUBACKs vanish: the devices keep these publishes in flight
      await sleep(300);
      proxy.cutAll();
      proxy.blackholeDown(false);
      await fleet.waitFor(
        () => fleet.metrics.total.connect_ok >= 10,
        5000,
        () => 'reconnected',
      );
      await sleep(300);
      await fleet.stop();
      await sleep(100);
      s.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
      const t = fleet.metrics.total;
      expect(t.republished).toBeGreaterThanOrEqual(10); // ≈ 30 nominal
      const totals = s.accounting.totals();
      // A resent PUBLISH whose original reached the broker is one duplicate at the sink. An
      // original still in the kernel when the proxy cut never reached it: its resend is the
      // first copy. The proxy counts what it read (and flushed on), so the oracle is exact.
      const unread = t.published + t.republished - proxy.publishesSeen;
      expect(unread).toBeGreaterThanOrEqual(0);
      expect(unread).toBeLessThanOrEqual(5); // at most one per device
      expect(totals.duplicates).toBe(t.republished - unread);
      expect(totals).toMatchObject({ delivered: t.published, lost: 0 });
      expect(t.acked + fleet.inflightPublishes).toBe(t.published); // stop() may beat the last PUBACKs
    },
  );

  it.each([4, 5] as const)(
    'v%i: a persistent session resumes with its subscription and queued messages',
    async (v) => {
      broker = await startMosquitto();
      const s = sink({
        protocolVersion: v,
        qos: 1,
        clean: false,
        engine: { reconnect: { strategy: 'fixed', baseMs: 400, capMs: 400 } },
      });
      await s.waitReady();
      const fleet = engine({
        groups: [{ count: 10, protocolVersion: v, telemetry: { intervalMs: 50, qos: 1 } }],
      });
      fleet.start();
      await fleet.waitConnected(10);
      await sleep(200);
      expect(s.engine.dropConnections()).toBe(1); // the sink is away for 400 ms; the broker queues
      await s.engine.waitFor(
        () => s.engine.metrics.total.connect_ok === 2,
        3000,
        () => 'sink back',
      );
      await sleep(300);
      await fleet.stop();
      await sleep(150);
      s.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
      expect(s.engine.metrics.total.subscribed).toBe(1); // session present: no second SUBSCRIBE
      expect(s.accounting.totals()).toMatchObject({ delivered: fleet.metrics.total.published, lost: 0 });
      expect(s.engine.collect().histograms!.reconnect_time!.totalCount).toBe(1);
    },
  );

  it("v5: honours the broker's Receive Maximum and Server Keep Alive from CONNACK", async () => {
    broker = await startMosquitto(['max_inflight_messages 3', 'max_keepalive 10']);
    proxy = await startMqttProxy(broker);
    const fleet = engine({
      broker: { host: '127.0.0.1', port: proxy.port },
      groups: [{ count: 2, protocolVersion: 5, keepaliveS: 60, telemetry: { intervalMs: 20, qos: 1 } }],
    });
    fleet.start();
    await fleet.waitConnected(2);
    proxy.blackholeDown(true); // no PUBACKs: the in-flight window fills up
    await sleep(300);
    // At most 3 in flight per device, the rest dropped rather than overrunning the broker.
    expect(fleet.inflightPublishes).toBe(6);
    expect(fleet.metrics.total.dropped_backpressure).toBeGreaterThan(0);
    proxy.blackholeDown(false);
    await sleep(200);
    expect(fleet.metrics.total.disconnects).toBe(0);
    expect(fleet.keepaliveS(0)).toBe(10); // the server's 10 s, not the 60 s asked for
  });
});
