/**
 * Integration tests of the mosquitto launcher: a real /usr/sbin/mosquitto (Debian package
 * `mosquitto`) on a free loopback port. Proves the same pub/sub guarantees as the aedes
 * cluster (QoS 1, retained, persistent sessions across a broker restart) and a clean teardown.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type MosquittoBroker, startMosquitto } from './mosquitto.js';
import { Clients, collect, sleep } from './test-support/mqtt.js';

const installed = existsSync('/usr/sbin/mosquitto');
let broker: MosquittoBroker | undefined;
const clients = new Clients();

afterEach(async () => {
  await clients.closeAll();
  await broker?.stop();
  broker = undefined;
});

describe.skipIf(!installed)('mosquitto launcher (needs apt package mosquitto)', () => {
  it('delivers QoS 1 and retained messages between clients', async () => {
    broker = await startMosquitto();
    const subscriber = await clients.connect(broker.url, { clientId: 'sub' });
    const publisher = await clients.connect(broker.url, { clientId: 'pub' });
    await subscriber.subscribeAsync('fleet/+/telemetry', { qos: 1 });
    const received = collect(subscriber, 50);
    for (let i = 0; i < 50; i++) await publisher.publishAsync(`fleet/d${i}/telemetry`, `m${i}`, { qos: 1 });
    expect((await received).map((m) => m.payload)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));

    await publisher.publishAsync('fleet/config', 'v2', { qos: 1, retain: true });
    const retained = collect(subscriber, 1);
    await subscriber.subscribeAsync('fleet/config', { qos: 1 });
    expect(await retained).toEqual([{ topic: 'fleet/config', payload: 'v2', retain: true }]);
  });

  it('keeps a persistent session and its QoS 1 queue across a broker restart', async () => {
    broker = await startMosquitto();
    const port = broker.port;
    const subscriber = await clients.connect(broker.url, { clientId: 'keeper', clean: false });
    await subscriber.subscribeAsync('alerts/#', { qos: 1 });
    await subscriber.endAsync();
    const publisher = await clients.connect(broker.url, { clientId: 'pub' });
    for (let i = 1; i <= 20; i++) await publisher.publishAsync(`alerts/${i}`, `q${i}`, { qos: 1 });
    await publisher.endAsync();

    await broker.kill('SIGTERM'); // mosquitto writes its persistence file on a clean exit
    expect(broker.pid()).toBeUndefined();
    await broker.restart();
    expect(broker.port).toBe(port);

    const { messages } = await clients.connectAndCollect(
      broker.url,
      { clientId: 'keeper', clean: false },
      20,
    );
    const msgs = await messages;
    expect(msgs.map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `q${i + 1}`));
  });

  it('stop() ends the process and removes its temp dir', async () => {
    const b = await startMosquitto();
    const pid = b.pid()!;
    expect(existsSync(`${b.dir}/mosquitto.conf`)).toBe(true);
    await b.stop();
    await b.stop(); // idempotent
    await sleep(50);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(b.dir)).toBe(false);
  });
});
