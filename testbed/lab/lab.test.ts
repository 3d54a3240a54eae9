/**
 * Lab topology and the partition oracle. Needs root (network namespaces, veth, nftables) —
 * CI runs as root; elsewhere these tests are skipped with that reason. Proves: the topology's
 * teardown is exact and idempotent (also for a crashed owner), and through a real nftables
 * partition between edge-1 and cloud-1 the edge gateway buffers rate × partition, loses nothing,
 * and drains on heal.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloudCluster, startCloudCluster } from '../cloud/cluster.js';
import { type EdgeGatewayHandle, startEdgeGateway } from '../edge/edge.js';
import { sleep } from '../test-support/mqtt.js';
import { type Probe, startProbe } from '../test-support/probe.js';
import { isRoot, listLinks, listNetns, listNftTables } from './ip.js';
import {
  cloudAddress,
  createLab,
  destroyLab,
  findLabLeftovers,
  LAB_MARKER_DIR,
  type LabTopology,
} from './topology.js';

const root = isRoot();
let lab: LabTopology | undefined;
let cloud: CloudCluster | undefined;
let gateway: EdgeGatewayHandle | undefined;
const probes: Probe[] = [];

afterEach(async () => {
  for (const p of probes.splice(0)) p.kill();
  await gateway?.stop();
  await cloud?.stop();
  await lab?.destroy();
  gateway = undefined;
  cloud = undefined;
  lab = undefined;
});

async function assertGone(prefix: string) {
  expect((await listNetns()).filter((n) => n.startsWith(prefix))).toEqual([]);
  expect((await listLinks()).filter((l) => l.startsWith(prefix))).toEqual([]);
  expect((await listNftTables()).filter((t) => t.includes(prefix))).toEqual([]);
  expect(existsSync(path.join(LAB_MARKER_DIR, `${prefix}.json`))).toBe(false);
}

describe.skipIf(!root)('lab topology (needs root)', () => {
  it('creates prefixed namespaces and tears them down exactly, twice', async () => {
    lab = await createLab({ edges: 2 });
    const { prefix } = lab;
    expect(lab.hosts.map((h) => [h.name, h.netns, h.address])).toEqual([
      ['cloud-1', `${prefix}-cloud-1`, '10.77.0.2'],
      ['edge-1', `${prefix}-edge-1`, '10.77.0.11'],
      ['edge-2', `${prefix}-edge-2`, '10.77.0.12'],
    ]);
    expect((await listNetns()).filter((n) => n.startsWith(prefix)).sort()).toEqual(
      [`${prefix}-cloud-1`, `${prefix}-edge-1`, `${prefix}-edge-2`, `${prefix}-sw`].sort(),
    );
    expect(await lab.exec('edge-1', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).toContain(
      '10.77.0.11/24',
    );
    // A live owner: not a leftover.
    expect(await findLabLeftovers()).not.toContain(prefix);
    const first = await lab.destroy();
    expect(first.netns).toHaveLength(4);
    const second = await lab.destroy();
    expect(second).toEqual({ prefix, killedPids: [], netns: [], links: [] });
    await assertGone(prefix);
  });

  it('finds and removes the leftovers of an owner killed -9 mid-run', async () => {
    const script = path.join(import.meta.dirname, '../test-support/lab-owner-main.ts');
    const child = fork(script, [], {
      execArgv: ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const prefix = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => resolve(String(m)));
      child.once('exit', (code) => reject(new Error(`lab owner exited ${code}`)));
    });
    try {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(await findLabLeftovers()).toContain(prefix);
      const cleanup = await destroyLab(prefix);
      expect(cleanup.netns.length).toBe(3);
      expect(cleanup.killedPids.length).toBeGreaterThan(0); // the sleeper it left inside edge-1
      await assertGone(prefix);
    } finally {
      await destroyLab(prefix);
    }
  });

  it('partition oracle: a 20 s nftables partition edge-1↔cloud-1 buffers rate × 20 s and loses nothing', async () => {
    lab = await createLab({ edges: 1 });
    const cloudHost = lab.host('cloud-1');
    const edgeHost = lab.host('edge-1');
    cloud = await startCloudCluster({ host: '0.0.0.0', port: 1883, workers: 2, wrapper: cloudHost.wrapper });
    gateway = await startEdgeGateway({
      name: 'edge-1',
      cloudUrl: `mqtt://${cloudAddress()}:1883`,
      port: 1883,
      host: '127.0.0.1',
      forward: ['fleet/#'],
      keepaliveS: 2,
      connectTimeoutMs: 1000,
      reconnectDelayMs: 200,
      wrapper: edgeHost.wrapper,
    });
    const sink = await startProbe(
      { role: 'sink', url: 'mqtt://127.0.0.1:1883', filter: 'fleet/#' },
      cloudHost.wrapper,
    );
    probes.push(sink);
    const devicesN = 10;
    const ratePerSEach = 10;
    const ratePerS = devicesN * ratePerSEach;
    const devices = await startProbe(
      { role: 'devices', url: 'mqtt://127.0.0.1:1883', count: devicesN, ratePerSEach },
      edgeHost.wrapper,
    );
    probes.push(devices);
    await sleep(3000);
    expect((await gateway.stats()).bridgeConnected).toBe(true);

    // The partition, applied directly: drop everything between edge-1 and cloud-1, both ways.
    const table = `${lab.prefix}_partition`;
    const cloudIp = cloudAddress();
    const nft = (...args: string[]) => lab!.exec('edge-1', ['nft', ...args]);
    await nft('add', 'table', 'inet', table);
    await nft('add', 'chain', 'inet', table, 'in', '{ type filter hook input priority 0; policy accept; }');
    await nft('add', 'chain', 'inet', table, 'out', '{ type filter hook output priority 0; policy accept; }');
    await nft('add', 'rule', 'inet', table, 'in', 'ip', 'saddr', cloudIp, 'drop');
    await nft('add', 'rule', 'inet', table, 'out', 'ip', 'daddr', cloudIp, 'drop');
    const partitionS = 20;
    const partitionedAt = Date.now();
    await sleep(partitionS * 1000);
    const atHeal = await gateway.stats();
    await nft('delete', 'table', 'inet', table);
    const healedAt = Date.now();
    const actualPartitionS = (healedAt - partitionedAt) / 1000;
    expect(await lab.exec('edge-1', ['nft', 'list', 'tables'])).not.toContain(table);

    let drainMs = -1;
    for (let t = 0; t < 300; t++) {
      const s = await gateway.stats();
      if (s.bridgeConnected && s.queueDepth < ratePerS / 2) {
        drainMs = Date.now() - healedAt;
        break;
      }
      await sleep(50);
    }
    await sleep(2000);
    const { acked = [], sent = 0 } = await devices.request('stop');
    await sleep(1000);
    const stats = await gateway.stats();
    const { seen = [] } = await sink.request('report');
    const seenSet = new Set(seen);
    const lost = acked.filter((m) => !seenSet.has(m));
    const expected = ratePerS * actualPartitionS;
    const report = {
      ratePerS,
      partitionS: actualPartitionS,
      expectedBuffered: expected,
      bufferedAtHeal: atHeal.queueDepth,
      peakBuffered: stats.peakQueueDepth,
      oldestAgeAtHealMs: atHeal.oldestMessageAgeMs,
      drainMs,
      sent,
      acked: acked.length,
      lost: lost.length,
      duplicates: seen.length - seenSet.size,
      resent: stats.resent,
    };
    console.log(`partition oracle: ${JSON.stringify(report)}`);
    expect(lost).toEqual([]);
    expect(acked.length).toBe(sent);
    expect(atHeal.bridgeConnected).toBe(false);
    expect(Math.abs(stats.peakQueueDepth - expected) / expected).toBeLessThan(0.1);
    expect(drainMs).toBeGreaterThanOrEqual(0);
    expect(stats.droppedOldest + stats.droppedNewest).toBe(0);
  }, 90_000);

  it('a gateway killed -9 during an nftables partition and restarted loses no acknowledged message', async () => {
    lab = await createLab({ edges: 1 });
    const cloudHost = lab.host('cloud-1');
    const edgeHost = lab.host('edge-1');
    cloud = await startCloudCluster({ host: '0.0.0.0', port: 1883, workers: 2, wrapper: cloudHost.wrapper });
    gateway = await startEdgeGateway({
      name: 'edge-1',
      cloudUrl: `mqtt://${cloudAddress()}:1883`,
      port: 1883,
      forward: ['fleet/#'],
      keepaliveS: 2,
      connectTimeoutMs: 1000,
      reconnectDelayMs: 200,
      wrapper: edgeHost.wrapper,
    });
    const sink = await startProbe(
      { role: 'sink', url: 'mqtt://127.0.0.1:1883', filter: 'fleet/#' },
      cloudHost.wrapper,
    );
    probes.push(sink);
    const devices = await startProbe(
      { role: 'devices', url: 'mqtt://127.0.0.1:1883', count: 5, ratePerSEach: 20 },
      edgeHost.wrapper,
    );
    probes.push(devices);
    await sleep(1000);
    const table = `${lab.prefix}_partition`;
    const nft = (...args: string[]) => lab!.exec('edge-1', ['nft', ...args]);
    await nft('add', 'table', 'inet', table);
    await nft('add', 'chain', 'inet', table, 'out', '{ type filter hook output priority 0; policy accept; }');
    await nft('add', 'rule', 'inet', table, 'out', 'ip', 'daddr', cloudAddress(), 'drop');
    await sleep(2000);
    const beforeKill = await gateway.stats();
    await gateway.kill('SIGKILL');
    await gateway.restart(); // same port, same queue file
    const afterRestart = await gateway.stats();
    await sleep(1500); // devices reconnect and keep publishing into the resumed queue
    await nft('delete', 'table', 'inet', table);
    await sleep(1000);
    const { acked = [] } = await devices.request('stop');
    for (let i = 0; i < 100 && (await gateway.stats()).queueDepth > 0; i++) await sleep(100);
    await sleep(1000);
    const { seen = [] } = await sink.request('report');
    const seenSet = new Set(seen);
    console.log(
      `kill -9 in partition: queued before kill ${beforeKill.queueDepth}, after restart ${afterRestart.queueDepth}, ` +
        `acked ${acked.length}, lost ${acked.filter((m) => !seenSet.has(m)).length}`,
    );
    expect(beforeKill.queueDepth).toBeGreaterThan(150);
    expect(afterRestart.queueDepth).toBeGreaterThanOrEqual(beforeKill.queueDepth);
    expect(acked.filter((m) => !seenSet.has(m))).toEqual([]);
  }, 60_000);
});
