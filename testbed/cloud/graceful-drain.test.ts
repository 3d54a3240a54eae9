/**
 * A worker's SIGTERM (a rolling restart), or its SIGKILL, loses no acknowledged QoS 1 message.
 * Real primary and worker processes, real mqtt.js clients on loopback: a persistent QoS 1
 * subscriber on worker A, publishers on A and B with sequence numbers, A stopped mid-stream,
 * then every sequence number the broker acknowledged (PUBACK) must reach the subscriber.
 * Needs nothing beyond node.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../engine/core/wait.js';
import { Clients, sleep } from '../test-support/mqtt.js';
import { type CloudCluster, startCloudCluster } from './cluster.js';

let cluster: CloudCluster | undefined;
const clients = new Clients();
const live: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(live.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await clients.closeAll();
  await cluster?.stop();
  cluster = undefined;
});

/** Which worker `clientId` landed on, read from aedes' `$SYS/<brokerId>/new/clients`. */
async function workerOf(
  monitor: MqttClient,
  clientId: string,
  connect: () => MqttClient,
): Promise<{
  client: MqttClient;
  worker: number;
}> {
  const placed = new Promise<number>((resolve) => {
    const onMsg = (topic: string, payload: Buffer) => {
      if (payload.toString() !== clientId) return;
      monitor.off('message', onMsg);
      resolve(Number(/^\$SYS\/cloud-w(\d+)-/.exec(topic)![1]));
    };
    monitor.on('message', onMsg);
  });
  const client = connect();
  live.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return { client, worker: await placed };
}

/** A reconnecting persistent client, as a device or an ingest would run it. */
const persistent = (url: string, clientId: string) => () =>
  mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 100, connectTimeout: 3000 });

/** Publishes `p<i>/<seq>` at QoS 1 with a window of 20 in flight, recording every PUBACKed seq. */
function publishLoop(client: MqttClient, name: string, ratePerS: number) {
  const acked = new Set<number>();
  let seq = 0;
  let inflight = 0;
  let running = true;
  const timer = setInterval(() => {
    if (!running || inflight >= 20) return;
    const n = seq++;
    inflight++;
    client.publish(`drain/${name}`, `${name}/${n}`, { qos: 1 }, (err) => {
      inflight--;
      if (!err) acked.add(n);
    });
  }, 1000 / ratePerS);
  return {
    acked,
    get published() {
      return seq;
    },
    async stop() {
      running = false;
      clearInterval(timer);
      await waitUntil(() => inflight === 0, { timeoutMs: 10_000, intervalMs: 20 });
    },
  };
}

async function rollingRestartRun(
  round: number,
  signal: 'SIGTERM' | 'SIGKILL',
): Promise<{ acked: number; lost: string[]; dups: number; refused: number }> {
  cluster = await startCloudCluster({ workers: 2 });
  const monitor = await clients.connect(cluster.url, { clientId: `mon-${round}` });
  await monitor.subscribeAsync('$SYS/+/new/clients', { qos: 0 });

  // The subscriber on some worker A; publishers until one sits on A and one on B.
  const sub = await workerOf(monitor, `sub-${round}`, persistent(cluster.url, `sub-${round}`));
  let refused = 0;
  const countRefusals = (c: MqttClient) =>
    c.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') refused++;
    });
  countRefusals(sub.client);
  await sub.client.subscribeAsync('drain/#', { qos: 1 });
  const received = new Map<string, number>();
  sub.client.on('message', (_t, payload) => {
    const key = payload.toString();
    received.set(key, (received.get(key) ?? 0) + 1);
  });
  const publishers: { name: string; client: MqttClient; worker: number }[] = [];
  for (let i = 0; publishers.length < 8 && i < 16; i++) {
    const name = `p${round}x${i}`;
    const placed = await workerOf(monitor, name, persistent(cluster.url, name));
    countRefusals(placed.client);
    publishers.push({ name, ...placed });
  }
  expect(publishers.some((p) => p.worker === sub.worker)).toBe(true);
  expect(publishers.some((p) => p.worker !== sub.worker)).toBe(true);

  const loops = publishers.map((p) => ({ name: p.name, loop: publishLoop(p.client, p.name, 100) }));
  await sleep(1000);
  await cluster.killWorker(sub.worker, signal);
  await sleep(1500);
  await Promise.all(loops.map((l) => l.loop.stop()));

  const expected = loops.flatMap((l) => [...l.loop.acked].map((n) => `${l.name}/${n}`));
  await waitUntil(() => expected.every((k) => received.has(k)), { timeoutMs: 10_000, intervalMs: 100 });
  const lost = expected.filter((k) => !received.has(k));
  const dups = [...received.values()].filter((n) => n > 1).length;
  await Promise.all(live.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  await clients.closeAll();
  await cluster.stop();
  cluster = undefined;
  // Where each lost message was published: on the stopped worker (A) or the other (B).
  const where = new Map(publishers.map((p) => [p.name, p.worker === sub.worker ? 'A' : 'B']));
  return {
    acked: expected.length,
    refused,
    lost: lost.map((k) => `${k}@${where.get(k.split('/')[0]!)}`),
    dups,
  };
}

describe('cloud cluster: a worker stops, acknowledged messages do not', () => {
  it('loses no acknowledged QoS 1 message when the subscriber’s worker is stopped (4 rounds)', async () => {
    const results = [];
    for (let round = 0; round < 4; round++) results.push(await rollingRestartRun(round, 'SIGTERM'));
    console.log(
      results
        .map(
          (r) =>
            `SIGTERM: acked ${r.acked}, lost ${r.lost.length}, duplicated ${r.dups}, refused ${r.refused}`,
        )
        .join('\n'),
    );
    for (const r of results) {
      expect(r.acked).toBeGreaterThan(500);
      expect(r.lost, r.lost.slice(0, 10).join()).toEqual([]);
      // The successor listened before the stopped worker let its clients go.
      expect(r.refused).toBe(0);
    }
  }, 120_000);

  it('loses no acknowledged QoS 1 message when that worker is killed -9 either (3 rounds)', async () => {
    // PUBACK follows the hand-off to the primary (ack-after-handoff.ts), so even a worker that
    // gets no chance to drain has acknowledged nothing it could still lose.
    const results = [];
    for (let round = 10; round < 13; round++) results.push(await rollingRestartRun(round, 'SIGKILL'));
    console.log(
      results.map((r) => `SIGKILL: acked ${r.acked}, lost ${r.lost.length}, duplicated ${r.dups}`).join('\n'),
    );
    for (const r of results) {
      expect(r.acked).toBeGreaterThan(500);
      expect(r.lost, r.lost.slice(0, 10).join()).toEqual([]);
    }
  }, 120_000);

  it('acknowledges nothing it can still lose: a worker killed while the session store stalls', async () => {
    // Deterministic version of the crash window: the primary (session store and router) is
    // stopped, so every publish read now is stuck half-way through its hand-off; then the
    // worker holding the publisher dies. aedes' own order (PUBACK, then publish) would have
    // acknowledged all of them and lost them with the worker.
    cluster = await startCloudCluster({ workers: 2 });
    const monitor = await clients.connect(cluster.url, { clientId: 'stall-mon' });
    await monitor.subscribeAsync('$SYS/+/new/clients', { qos: 0 });
    const sub = await workerOf(monitor, 'stall-sub', persistent(cluster.url, 'stall-sub'));
    await sub.client.subscribeAsync('stall/#', { qos: 1 });
    const received = new Set<string>();
    sub.client.on('message', (_t, payload) => received.add(payload.toString()));
    let pub: { client: MqttClient; worker: number } | undefined;
    for (let i = 0; !pub && i < 8; i++) {
      const placed = await workerOf(monitor, `stall-pub${i}`, persistent(cluster.url, `stall-pub${i}`));
      if (placed.worker !== sub.worker) pub = placed;
    }
    const acked: string[] = [];
    const send = (n: number) =>
      pub!.client.publish('stall/x', `m${n}`, { qos: 1 }, (err) => {
        if (!err) acked.push(`m${n}`);
      });
    for (let n = 0; n < 10; n++) send(n);
    await expect.poll(() => acked.length, { timeout: 5000 }).toBe(10);

    const primaryPid = cluster.primaryPid()!;
    const workerPid = cluster.workerPids()[pub!.worker]!;
    process.kill(primaryPid, 'SIGSTOP');
    try {
      for (let n = 10; n < 30; n++) send(n);
      await sleep(500);
      process.kill(workerPid, 'SIGKILL');
    } finally {
      process.kill(primaryPid, 'SIGCONT');
    }
    const ackedDuringStall = acked.length - 10;
    // The publisher reconnects to a surviving worker and resends what was never acknowledged.
    await expect.poll(() => acked.length, { timeout: 15_000 }).toBe(30);
    await expect.poll(() => acked.filter((m) => !received.has(m)), { timeout: 10_000 }).toEqual([]);
    expect(ackedDuringStall).toBe(0);
  }, 40_000);

  it('a one-worker cluster keeps its port open through SIGTERM: the successor listens first', async () => {
    cluster = await startCloudCluster({ workers: 1 });
    const client = persistent(cluster.url, 'solo')();
    live.push(client);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const errors: string[] = [];
    client.on('error', (err) => errors.push((err as NodeJS.ErrnoException).code ?? err.message));
    const reconnected = new Promise<void>((resolve) =>
      client.once('close', () => client.once('connect', () => resolve())),
    );
    const [killedPid] = cluster.workerPids();
    const { replacementPid } = await cluster.killWorker(0, 'SIGTERM');
    await reconnected;
    expect(replacementPid).not.toBe(killedPid);
    // node:cluster closes the shared port when its last worker stops listening; a successor
    // started only after the exit would leave a window of ECONNREFUSED.
    expect(errors).toEqual([]);
    await client.publishAsync('solo/after', 'x', { qos: 1 });
  }, 30_000);
});
