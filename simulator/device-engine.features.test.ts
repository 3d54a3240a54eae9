/**
 * Integration: device features against a real aedes on port 0 (and a black-hole TCP server):
 * credentials from templates, last will, QoS 2, command subscriptions, spread vs aligned
 * phases, the in-flight connect cap with connect timeouts, and unusable source addresses.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEngine } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { createSink, type Sink } from './sink.js';
import { type AedesBroker, startAedes } from './test-support/brokers.js';

let broker: AedesBroker | undefined;
const engines: DeviceEngine[] = [];
const sinks: Sink[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  for (const s of servers.splice(0)) s.close();
  await broker?.close();
  broker = undefined;
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function engine(input: Omit<DeviceEngineInput, 'broker'> & { broker?: DeviceEngineInput['broker'] }) {
  const e = new DeviceEngine(
    resolveEngineConfig({ ...input, broker: input.broker ?? { host: broker!.host, port: broker!.port } }),
  );
  engines.push(e);
  return e;
}

describe('device features × aedes', () => {
  it('renders per-device credentials and client ids from templates', async () => {
    const seen: string[] = [];
    broker = await startAedes({
      authenticate: (client, username, password, done) => {
        seen.push(`${client.id} ${username} ${password?.toString()}`);
        done(
          null,
          username === `user-${client.id.slice(4)}` && password?.toString() === `pw-${client.id.slice(4)}`,
        );
      },
    });
    const fleet = engine({
      tenants: [{ name: 'acme', share: 1 }],
      groups: [{ count: 3, clientId: 'dev-{index}', username: 'user-{index}', password: 'pw-{index}' }],
    });
    fleet.start();
    await fleet.waitConnected(3);
    expect(seen.sort()).toEqual(['dev-0 user-0 pw-0', 'dev-1 user-1 pw-1', 'dev-2 user-2 pw-2']);
  });

  it('publishes the last will when a device drops without DISCONNECT, not on a clean stop', async () => {
    broker = await startAedes();
    const wills: string[] = [];
    broker.aedes.on('publish', (packet) => {
      if (packet.topic.startsWith('will/')) wills.push(`${packet.topic} ${packet.payload.toString()}`);
    });
    const input = {
      groups: [
        { count: 2, will: { topic: 'will/{index}', payload: 'gone', qos: 1 as const, retain: false } },
      ],
    };
    const fleet = engine({ ...input, reconnect: { strategy: 'none' } });
    fleet.start();
    await fleet.waitConnected(2);
    fleet.dropConnections((i) => i === 1);
    await sleep(200);
    expect(wills).toEqual(['will/1 gone']);
    await fleet.stop(); // graceful: DISCONNECT discards the will (MQTT 3.1.1 §3.14.4)
    await sleep(100);
    expect(wills).toEqual(['will/1 gone']);
  });

  it('publishes at QoS 2 with PUBREC/PUBREL/PUBCOMP and counts completions', async () => {
    broker = await startAedes();
    const sink = createSink({ broker, topic: 't/#', qos: 2, graceMs: 300 });
    sinks.push(sink);
    sink.start();
    await sink.waitReady();
    const fleet = engine({ groups: [{ count: 5, telemetry: { intervalMs: 50, qos: 2 } }] });
    fleet.start();
    await fleet.waitConnected(5);
    await sleep(400);
    await fleet.stop();
    await sleep(100);
    const t = fleet.metrics.total;
    expect(t.published).toBeGreaterThanOrEqual(15); // ≈ 40 nominal; less on a loaded machine
    expect(t.acked + fleet.inflightPublishes).toBe(t.published);
    sink.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
    expect(sink.accounting.totals()).toMatchObject({ delivered: t.published, lost: 0, duplicates: 0 });
  });

  it('subscribes devices to their command topics and counts commands received', async () => {
    broker = await startAedes();
    const fleet = engine({ groups: [{ count: 4, subscriptions: [{ topic: 'cmd/{index}', qos: 1 }] }] });
    fleet.start();
    await fleet.waitFor(
      () => fleet.metrics.total.subscribed === 4,
      5000,
      () => 'subscribed',
    );
    for (const i of [0, 2, 2]) {
      await new Promise<void>((resolve) =>
        broker!.aedes.publish(
          {
            cmd: 'publish',
            topic: `cmd/${i}`,
            payload: Buffer.from('reboot'),
            qos: 1,
            retain: false,
            dup: false,
          },
          () => resolve(),
        ),
      );
    }
    await fleet.waitFor(
      () => fleet.metrics.total.received === 3,
      3000,
      () => 'commands',
    );
  });

  it('spreads publishes over the interval by default, and bursts them when aligned', async () => {
    broker = await startAedes();
    const times = async (phase: 'spread' | 'aligned', firstIndex: number) => {
      const at: number[] = [];
      const listener = (packet: { topic: string }) => {
        if (packet.topic.startsWith(`p${firstIndex}/`)) at.push(performance.now());
      };
      broker!.aedes.on('publish', listener);
      const fleet = engine({
        firstIndex,
        groups: [
          { count: 50, telemetry: { intervalMs: 500, qos: 0, phase, topic: `p${firstIndex}/{index}` } },
        ],
      });
      fleet.start();
      await fleet.waitConnected(50);
      at.length = 0;
      await sleep(1000);
      await fleet.stop();
      broker!.aedes.removeListener('publish', listener);
      return at;
    };
    // Aligned: every publish of a round lands within a few ms; spread: over the whole 500 ms.
    const spanOfRound = (at: number[]) => {
      const first = at.slice(0, 50);
      return Math.max(...first) - Math.min(...first);
    };
    const spread = await times('spread', 0);
    const aligned = await times('aligned', 1000);
    expect(spread.length).toBeGreaterThanOrEqual(95);
    expect(aligned.length).toBeGreaterThanOrEqual(95);
    expect(spanOfRound(aligned)).toBeLessThan(60);
    expect(spanOfRound(spread)).toBeGreaterThan(300);
  });

  it('keeps at most maxInflightConnects handshakes open and times out silent brokers', async () => {
    const silent = net.createServer(() => {}); // accepts TCP, never answers CONNECT
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    let open = 0;
    let peak = 0;
    silent.on('connection', (s) => {
      peak = Math.max(peak, ++open);
      s.resume(); // read, so the client's FIN is seen
      s.on('close', () => open--);
    });
    const fleet = engine({
      broker: { host: '127.0.0.1', port },
      connectRatePerS: 10_000,
      maxInflightConnects: 5,
      connectTimeoutMs: 200,
      reconnect: { strategy: 'none' },
      groups: [{ count: 20 }],
    });
    fleet.start();
    await fleet.waitFor(
      () => fleet.snapshot().gaveUp === 20,
      5000,
      () => `${fleet.snapshot().gaveUp} gave up`,
    );
    expect(peak).toBe(5);
    expect(fleet.metrics.total.connect_timeouts).toBe(20);
    expect(fleet.snapshot().failures).toEqual([
      { cause: 'timeout', detail: 'CONNACK not within 200 ms', count: 20 },
    ]);
  });

  it('reports a source address it cannot bind as port exhaustion with the count affected', async () => {
    broker = await startAedes();
    const fleet = engine({
      localAddresses: ['192.0.2.1'], // TEST-NET-1: not an address of this host → EADDRNOTAVAIL
      reconnect: { strategy: 'none' },
      groups: [{ count: 4 }],
    });
    fleet.start();
    await fleet.waitFor(
      () => fleet.snapshot().gaveUp === 4,
      5000,
      () => 'gave up',
    );
    const [failure] = fleet.snapshot().failures;
    expect(failure).toMatchObject({ cause: 'ports', count: 4 });
    expect(failure!.detail).toMatch(/EADDRNOTAVAIL/);
  });

  it('runs several device groups with their own templates over one index space', async () => {
    broker = await startAedes();
    const ids: string[] = [];
    broker.aedes.on('client', (c) => ids.push(c.id));
    const fleet = engine({
      groups: [
        { name: 'meters', count: 3, clientId: 'm-{index}' },
        { name: 'gw', count: 2, clientId: '{group}-{index}', keepaliveS: 30 },
      ],
    });
    fleet.start();
    await fleet.waitConnected(5);
    expect(ids.sort()).toEqual(['gw-3', 'gw-4', 'm-0', 'm-1', 'm-2']);
    expect([fleet.keepaliveS(0), fleet.keepaliveS(4)]).toEqual([60, 30]);
  });

  it('accounts JSON template payloads end to end', async () => {
    broker = await startAedes();
    const payloadTemplate = '{"device":{index},"seq":{seq},"sentAt":{ts},"tenant":"{tenant}","pad":"{pad}"}';
    const sink = createSink({ broker, topic: 't/#', qos: 1, graceMs: 300, payloadTemplate });
    sinks.push(sink);
    sink.start();
    await sink.waitReady();
    const seen: unknown[] = [];
    broker.aedes.on('publish', (p) => {
      if (p.topic.startsWith('t/') && seen.length < 1) seen.push(JSON.parse(p.payload.toString()));
    });
    const fleet = engine({
      tenants: [{ name: 'acme', share: 1 }],
      groups: [{ count: 5, telemetry: { intervalMs: 100, qos: 1, payloadBytes: 200, payloadTemplate } }],
    });
    fleet.start();
    await fleet.waitConnected(5);
    await sleep(400);
    await fleet.stop();
    await sleep(100);
    sink.accounting.settle((i) => fleet.lastSeq(i), fleet.count);
    expect(seen[0]).toMatchObject({ tenant: 'acme', seq: expect.any(Number), sentAt: expect.any(Number) });
    expect(sink.foreign).toBe(0);
    expect(sink.accounting.totals()).toMatchObject({ delivered: fleet.metrics.total.published, lost: 0 });
  });
});
