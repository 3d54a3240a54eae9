/**
 * Integration: `createFleet` in process and sharded over child processes (each with its own
 * loopback source address), against a real aedes on port 0; a shard killed mid-run is
 * reported with the devices it took down.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from './clock.js';
import { createFleet, type Fleet } from './fleet.js';
import type { FleetConfig } from './fleet-config.js';
import type { ShardCrash } from './fleet-snapshot.js';
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

function config(devices: number, shards: number): FleetConfig {
  return {
    engine: {
      broker: { host: broker!.host, port: broker!.port },
      connectRatePerS: 5000,
      tenants: [
        { name: 'acme', share: 0.75 },
        { name: 'globex', share: 0.25 },
      ],
      groups: [{ count: devices, telemetry: { intervalMs: 100, qos: 1, topic: 't/{tenant}/{index}' } }],
    },
    sink: { topic: 't/#', connections: 1, qos: 1, graceMs: 300, protocolVersion: 4 },
    shards,
  };
}

describe('createFleet', () => {
  it('runs in process: the fleet source reports engine and sink metrics, exact accounting', async () => {
    broker = await startAedes();
    fleet = createFleet(config(40, 0));
    await fleet.start();
    await fleet.waitConnected(1, 5000);
    await sleep(500);
    // Message counts are dated by send time and handed out once settled (delivery-ledger.ts).
    await fleet.settle(nowMs());
    const r = fleet.collect();
    expect(r.gauges).toMatchObject({ connected: 40, target: 40 });
    expect(r.counters!.connect_ok).toBe(40);
    expect(r.counters!.published).toBeGreaterThan(0);
    expect(r.counters!.delivered).toBeUndefined();
    const dated = (key: string) => (r.dated ?? []).reduce((a, d) => a + (d.counters[key] ?? 0), 0);
    expect(dated('delivered{tenant=acme}')).toBeGreaterThan(0);
    expect(dated('expected')).toBe(dated('delivered'));
    expect(dated('lost')).toBe(0);
    expect(r.histograms!.e2e_latency!.totalCount).toBeGreaterThan(0);
    await fleet.stop();
    const snap = fleet.snapshot();
    fleet = undefined;
    expect(snap.sink).toMatchObject({ delivered: snap.totals.published, lost: 0, duplicates: 0 });
    expect(snap.sink!.byTenant.acme!.delivered + snap.sink!.byTenant.globex!.delivered).toBe(
      snap.totals.published,
    );
  });

  it('shards over child processes and source addresses, and aggregates', async () => {
    broker = await startAedes();
    fleet = createFleet(config(60, 2));
    expect(fleet.shardCount).toBe(2);
    await fleet.start();
    await fleet.waitConnected(1, 10_000);
    expect(fleet.shardPids()).toHaveLength(2);
    const sources = new Set([...broker.sockets].map((s) => s.remoteAddress));
    expect(sources).toEqual(new Set(['127.0.0.1', '127.0.0.2', '127.0.0.3'])); // sink + 2 shards
    await sleep(1200); // one push per shard
    const r = fleet.collect();
    expect(r.counters!.connect_ok).toBe(60);
    expect(r.histograms!.connect_latency!.totalCount).toBe(60);
    await fleet.stop();
    const snap = fleet.snapshot();
    fleet = undefined;
    expect(snap.totals.connect_ok).toBe(60);
    expect(snap.sink).toMatchObject({ delivered: snap.totals.published, lost: 0 });
  });

  it('spreads its shards over shardBrokers: shard i connects to endpoint i mod n', async () => {
    broker = await startAedes();
    const second = await startAedes();
    try {
      fleet = createFleet({
        ...config(30, 3),
        engine: { ...config(30, 3).engine, groups: [{ count: 30 }] },
        sink: false,
        shardBrokers: [
          { host: broker.host, port: broker.port },
          { host: second.host, port: second.port },
        ],
      });
      await fleet.start();
      await fleet.waitConnected(1, 10_000);
      // Shards 0 and 2 (127.0.0.2, .4) at the first broker, shard 1 (127.0.0.3) at the second.
      const from = (b: AedesBroker) => [...b.sockets].map((s) => s.remoteAddress).sort();
      expect(from(broker)).toEqual([...Array(10).fill('127.0.0.2'), ...Array(10).fill('127.0.0.4')]);
      expect(from(second)).toEqual(Array(10).fill('127.0.0.3'));
      await fleet.stop();
      fleet = undefined;
    } finally {
      await second.close();
    }
  });

  it('reports a crashed shard loudly and counts its devices', async () => {
    broker = await startAedes();
    const crashes: ShardCrash[] = [];
    fleet = createFleet(config(40, 2), { onShardCrash: (c) => crashes.push(c) });
    await fleet.start();
    await fleet.waitConnected(1, 10_000);
    await sleep(1100);
    process.kill(fleet.shardPids()[1]!, 'SIGKILL');
    for (let i = 0; i < 100 && crashes.length === 0; i++) await sleep(50);
    expect(crashes).toEqual([{ shard: 1, firstIndex: 20, devices: 20, exitCode: null, signal: 'SIGKILL' }]);
    const snap = fleet.snapshot();
    expect(snap.connected).toBe(20);
    expect(snap.failures[0]).toEqual({
      cause: 'shard',
      detail: 'shard 1 (devices 20–39) died: SIGKILL',
      count: 20,
    });
    expect(fleet.collect().counters!.shard_crashes).toBe(1);
  });

  it('a group pinned to a tenant: its devices publish as that tenant and the sink counts them so, across shards', async () => {
    broker = await startAedes();
    // 25 + 15 devices over 2 shards of 20: shard 1 runs 5 shared devices and the 15 pinned ones.
    const base = config(40, 2);
    base.engine.groups = [
      { name: 'fleet', count: 25, telemetry: { intervalMs: 100, qos: 1, topic: 't/{tenant}/{index}' } },
      { name: 'flood', count: 15, telemetry: { intervalMs: 100, qos: 1, topic: 't/{tenant}/{index}' } },
    ];
    base.engine.pinnedTenants = [{ first: 25, count: 15, tenant: 'noisy' }];
    const watcher = await mqtt.connectAsync(`mqtt://${broker.host}:${broker.port}`, {
      clientId: 'watch-noisy',
    });
    const noisyIndexes = new Set<number>();
    let noisyMessages = 0;
    watcher.on('message', (topic) => {
      noisyMessages++;
      noisyIndexes.add(Number(topic.split('/')[2]));
    });
    await watcher.subscribeAsync('t/noisy/#', { qos: 1 });
    try {
      fleet = createFleet(base);
      await fleet.start();
      await fleet.waitConnected(1, 10_000);
      await sleep(800);
      await fleet.stop();
      const snap = fleet.snapshot();
      fleet = undefined;
      await sleep(200);
      expect([...noisyIndexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => 25 + i));
      const byTenant = snap.sink!.byTenant;
      expect(Object.keys(byTenant).sort()).toEqual(['acme', 'globex', 'noisy']);
      expect(byTenant.noisy!.delivered).toBe(noisyMessages);
      expect(byTenant.acme!.delivered + byTenant.globex!.delivered + byTenant.noisy!.delivered).toBe(
        snap.totals.published,
      );
      expect(snap.sink!.lost).toBe(0);
    } finally {
      await watcher.endAsync(true);
    }
  });
});
