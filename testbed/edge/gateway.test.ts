/**
 * The gateway acknowledges a device's publish only once it is committed to the disk queue.
 * aedes writes a QoS 1 PUBACK before its publish pipeline runs, so a gateway that committed in
 * the `published` hook acknowledged messages a kill -9 could still lose (edge.test.ts caught it
 * once in CI). Here a back-pressured queue holds the commit as long as we like, which makes the
 * ordering deterministic: no PUBACK (or PUBREC) may arrive while the commit waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../engine/core/ports.js';
import { createEdgeGateway, type EdgeGateway } from './gateway.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A cloud broker on `port`, started when the test says so. */
async function startCloud(port: number): Promise<string[]> {
  const seen: string[] = [];
  const broker = new Aedes();
  broker.on('publish', (packet, client) => {
    if (client) seen.push(packet.payload.toString());
  });
  await broker.listen();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanups.push(async () => {
    // The broker first: it closes the bridge's connection, which would hold server.close.
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });
  return seen;
}

async function gatewayWithOneSlot(cloudPort: number): Promise<EdgeGateway> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squall-gateway-test-'));
  const gateway = await createEdgeGateway({
    name: 'edge-ack',
    cloudUrl: `mqtt://127.0.0.1:${cloudPort}`,
    dataDir,
    maxQueueMessages: 1,
    overflow: 'back-pressure',
    connectTimeoutMs: 300,
    reconnectDelayMs: 100,
  });
  cleanups.push(async () => {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return gateway;
}

async function device(port: number): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: 'dev-ack',
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

/** Resolves with the elapsed ms when the publish is acknowledged. */
function timedPublish(client: MqttClient, payload: string, qos: 1 | 2): Promise<number> {
  const started = Date.now();
  return client.publishAsync('fleet/dev-ack', payload, { qos }).then(() => Date.now() - started);
}

const settledWithin = async (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => true), new Promise((r) => setTimeout(r, ms, false))]);

describe('edge gateway acknowledgement', () => {
  for (const qos of [1, 2] as const) {
    it(`withholds the QoS ${qos} acknowledgement until the message is on disk`, async () => {
      const cloudPort = await freePort();
      const gateway = await gatewayWithOneSlot(cloudPort);
      const client = await device(gateway.port);

      // The one slot: committed and acknowledged at once.
      expect(await timedPublish(client, 'a', qos)).toBeLessThan(500);
      expect(gateway.stats().queueDepth).toBe(1);

      // No room and no cloud: the commit waits, and so must the device's acknowledgement.
      const second = timedPublish(client, 'b', qos);
      expect(await settledWithin(second, 800)).toBe(false);
      expect(gateway.stats().queueDepth).toBe(1);
      expect(gateway.stats().backPressureWaits).toBe(1);

      // The cloud appears, takes 'a', which makes room: 'b' commits, then is acknowledged.
      const seen = await startCloud(cloudPort);
      await second;
      expect(gateway.stats().enqueued).toBe(2);
      await expect.poll(() => seen, { timeout: 3000 }).toEqual(['a', 'b']);
    });
  }
});
