/**
 * `uplinkProxy: true`: a fault proxy `edge-<i>-uplink` between each gateway's bridge and the
 * cloud, handed to the local agent by the engine hook, so `proxy.*` faults act on the
 * gateway→cloud path without root. Proves: traffic flows through it; `proxy.down` on it (real
 * agent and driver) makes the gateway buffer while its devices stay served, and the revert
 * drains; lab mode refuses the option. Needs: Node only.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../agents/local/local-agent.js';
import { waitUntil } from '../engine/core/wait.js';
import { type EmbeddedTestbed, startEmbeddedTestbed } from './engine-hook.js';
import { startTestbed } from './testbed.js';

let embedded: EmbeddedTestbed | undefined;
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await embedded?.stop();
  embedded = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
describe('testbed uplinkProxy', () => {
  it('routes each bridge through edge-<i>-uplink; proxy.down buffers at the gateway, revert drains', async () => {
    embedded = await startEmbeddedTestbed({ gateways: 2, workers: 1, uplinkProxy: true });
    expect([...embedded.proxies.keys()]).toEqual(['edge-1-uplink', 'edge-2-uplink']);
    const uplink = embedded.proxies.get('edge-1-uplink')!;
    expect(uplink.upstream).toBe(new URL(embedded.brokers.cloud!).host);
    // One loopback address per uplink, so address-scoped faults (nft.loss peers) hit only it.
    expect(uplink.listen).toMatch(/^127\.0\.77\.1:\d+$/);
    expect(embedded.proxies.get('edge-2-uplink')!.listen).toMatch(/^127\.0\.77\.2:\d+$/);
    expect(embedded.testbed.describe()).toContain('edge-1-uplink');
    const gateway = embedded.testbed.gateways[0]!;
    expect(
      await waitUntil(async () => (await gateway.stats()).bridgeConnected, {
        timeoutMs: 10_000,
        intervalMs: 50,
      }),
      'the bridge',
    ).toBe(true);

    const sink = await mqtt.connectAsync(embedded.brokers.cloud!, { clientId: 'uplink-sink' });
    clients.push(sink);
    const got = new Set<string>();
    sink.on('message', (_t, p) => got.add(p.toString()));
    await sink.subscribeAsync('u/#', { qos: 1 });
    const device = await mqtt.connectAsync(embedded.brokers['edge-1']!, { clientId: 'uplink-dev' });
    clients.push(device);

    await device.publishAsync('u/1', 'before', { qos: 1 });
    expect(
      await waitUntil(() => got.has('before'), { timeoutMs: 5000, intervalMs: 50 }),
      'a message through the uplink proxy',
    ).toBe(true);

    const agent = createLocalAgent({ processes: embedded.processes, proxies: embedded.proxies });
    const fault = await agent.inject({
      faultId: 'wan-down',
      kind: 'proxy.down',
      target: { proxy: 'edge-1-uplink' },
      params: {},
      durationMs: 5000,
    });
    // The gateway still acknowledges its device (QoS 1 PUBACK), and holds the messages.
    for (let i = 0; i < 20; i++) await device.publishAsync('u/1', `during-${i}`, { qos: 1 });
    await sleep(500);
    expect([...got].filter((m) => m.startsWith('during'))).toEqual([]);
    const held = await gateway.stats();
    expect(held.bridgeConnected).toBe(false);
    expect(held.queueDepth).toBe(20);

    await fault.revert();
    expect(
      await waitUntil(() => got.size === 21, { timeoutMs: 10_000, intervalMs: 50 }),
      'the drain after the heal',
    ).toBe(true);
    // The cloud acknowledges a publish once it is handed off, which includes delivery to a
    // subscriber on the same worker (cloud/ack-after-handoff.ts): the queue empties just after.
    expect(
      await waitUntil(async () => (await gateway.stats()).queueDepth === 0, {
        timeoutMs: 5000,
        intervalMs: 50,
      }),
      'the queue to empty',
    ).toBe(true);
  });

  it('is refused in lab mode (the proxy would sit outside the namespaces)', async () => {
    await expect(startTestbed({ lab: true, uplinkProxy: true })).rejects.toMatchObject({
      code: 'SQUALL_USAGE',
    });
  });
});
