/**
 * Integration tests of the embedded cloud cluster: real primary and worker processes, real
 * mqtt.js clients on loopback. Proves cross-worker routing (QoS 1, retained), that sessions
 * survive a worker's death, and the metrics endpoint. Needs nothing beyond node.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Clients, collect, sleep } from '../test-support/mqtt.js';
import { type CloudCluster, startCloudCluster } from './cluster.js';

let cluster: CloudCluster | undefined;
const clients = new Clients();

afterEach(async () => {
  await clients.closeAll();
  await cluster?.stop();
  cluster = undefined;
});

/**
 * Connects clients until one lands on each of two different workers. aedes announces every
 * connection on `$SYS/<brokerId>/new/clients`, and our broker ids name the worker.
 */
async function onTwoWorkers(
  c: CloudCluster,
  prefix: string,
  options: Parameters<Clients['connect']>[1] = {},
): Promise<{ a: MqttClient; b: MqttClient; workerA: string; workerB: string }> {
  const monitor = await clients.connect(c.url, { clientId: `${prefix}-monitor` });
  await monitor.subscribeAsync('$SYS/+/new/clients', { qos: 0 });
  const placed: { client: MqttClient; worker: string }[] = [];
  for (let i = 0; i < 8; i++) {
    const clientId = `${prefix}-${i}`;
    const waitFor = new Promise<string>((resolve) => {
      const onMsg = (topic: string, payload: Buffer) => {
        if (payload.toString() !== clientId) return;
        monitor.off('message', onMsg);
        resolve(topic.split('/')[1]!.replace(/-\d+$/, ''));
      };
      monitor.on('message', onMsg);
    });
    const client = await clients.connect(c.url, { clientId, ...options });
    const worker = await waitFor;
    const other = placed.find((p) => p.worker !== worker);
    if (other) return { a: other.client, workerA: other.worker, b: client, workerB: worker };
    placed.push({ client, worker });
  }
  throw new Error('round-robin never placed two clients on different workers');
}

describe('cloud cluster', () => {
  it('routes QoS 1 publishes and retained messages across workers', async () => {
    cluster = await startCloudCluster({ workers: 2 });
    expect(cluster.workerPids()).toHaveLength(2);
    const { a: subscriber, b: publisher, workerA, workerB } = await onTwoWorkers(cluster, 'x');
    expect(workerA).not.toBe(workerB);

    await subscriber.subscribeAsync('fleet/+/telemetry', { qos: 1 });
    const received = collect(subscriber, 50);
    for (let i = 0; i < 50; i++) {
      await publisher.publishAsync(`fleet/d${i}/telemetry`, `m${i}`, { qos: 1 });
    }
    const msgs = await received;
    expect(msgs.map((m) => m.payload)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));

    // Retained on one worker, seen by a fresh subscription on the other.
    await publisher.publishAsync('fleet/config', 'v2', { qos: 1, retain: true });
    const retained = collect(subscriber, 1);
    await subscriber.subscribeAsync('fleet/config', { qos: 1 });
    expect(await retained).toEqual([{ topic: 'fleet/config', payload: 'v2', retain: true }]);
  });

  it('keeps a persistent session and its QoS 1 queue when the worker holding it is killed', async () => {
    cluster = await startCloudCluster({ workers: 2 });
    const { a: subscriber, b: publisher, workerA } = await onTwoWorkers(cluster, 'p', { clean: false });
    const subscriberId = subscriber.options.clientId!;
    await subscriber.subscribeAsync('alerts/#', { qos: 1 });
    await publisher.publishAsync('alerts/0', 'before', { qos: 1 });
    await collect(subscriber, 1);

    const index = Number(workerA.replace('cloud-w', ''));
    const closed = new Promise<void>((resolve) => subscriber.once('close', () => resolve()));
    const { killedPid, replacementPid } = await cluster.killWorker(index);
    await closed;
    expect(replacementPid).toBeGreaterThan(0);
    expect(replacementPid).not.toBe(killedPid);

    // Published while the subscriber has no connection at all: queued in the shared store.
    for (let i = 1; i <= 20; i++) await publisher.publishAsync(`alerts/${i}`, `q${i}`, { qos: 1 });

    const { messages } = await clients.connectAndCollect(
      cluster.url,
      { clientId: subscriberId, clean: false },
      20,
      5000,
      // 'before' may come again too: its PUBACK can die with the worker (at least once).
      (topic) => topic !== 'alerts/0',
    );
    const msgs = await messages;
    // At least once: every message arrives; a redelivery may repeat one.
    expect(new Set(msgs.map((m) => m.payload))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => `q${i + 1}`)),
    );
  });

  it('serves aggregated and per-worker Prometheus metrics', async () => {
    cluster = await startCloudCluster({ workers: 2 });
    for (let i = 0; i < 4; i++) await clients.connect(cluster.url, { clientId: `m${i}` });
    await sleep(100);
    const total = await (await fetch(cluster.metricsUrl)).text();
    expect(total).toMatch(/^squall_cloud_connections 4$/m);
    expect(total).toMatch(/^squall_cloud_workers_ready 2$/m);
    const perWorker = await Promise.all(
      [0, 1].map(async (i) => (await fetch(`${cluster!.metricsUrl}/worker/${i}`)).text()),
    );
    const counts = perWorker.map((t) => Number(/^squall_cloud_connections (\d+)$/m.exec(t)?.[1]));
    // node:cluster round-robin: four connections, two per worker.
    expect(counts).toEqual([2, 2]);
  });

  it('stops every process it started', async () => {
    const c = await startCloudCluster({ workers: 2 });
    const pids = [c.primaryPid()!, ...c.workerPids()];
    await c.stop();
    await sleep(100);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
