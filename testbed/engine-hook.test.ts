/**
 * The testbed's processes and hosts as fault targets, through the real local agent and fault
 * drivers: `process.kill` of `edge-1` and `cloud-worker-0` by name (restarted on revert), and —
 * as root — an `nft.partition` of edge-1 from cloud-1 that the gateway buffers and drains.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../agents/local/local-agent.js';
import { waitUntil } from '../engine/core/wait.js';
import { type EmbeddedTestbed, startEmbeddedTestbed } from './engine-hook.js';
import { isRoot } from './lab/ip.js';
import { sleep } from './test-support/mqtt.js';
import { type Probe, startProbe } from './test-support/probe.js';

let embedded: EmbeddedTestbed | undefined;
const probes: Probe[] = [];
afterEach(async () => {
  for (const p of probes.splice(0)) p.kill();
  await embedded?.stop();
  embedded = undefined;
});

describe('embedded testbed as fault targets', () => {
  it('process.kill by role name kills, and revert restarts, a gateway and a cloud worker', async () => {
    embedded = await startEmbeddedTestbed({ gateways: 1, workers: 2 });
    const agent = createLocalAgent({ processes: embedded.processes, proxies: new Map() });
    for (const role of ['edge-1', 'cloud-worker-0']) {
      const proc = embedded.processes.get(role)!;
      const before = proc.pid()!;
      const fault = await agent.inject({
        faultId: `kill-${role}`,
        kind: 'process.kill',
        target: { process: role },
        params: {},
        durationMs: 0,
      });
      expect(proc.pid(), role).not.toBe(before);
      await fault.revert();
      expect(proc.pid()).toBeGreaterThan(0);
      expect(proc.pid()).not.toBe(before);
    }
    const gateway = embedded.testbed.gateways[0]!;
    expect(
      await waitUntil(async () => (await gateway.stats()).bridgeConnected, {
        timeoutMs: 10_000,
        intervalMs: 100,
      }),
      'the bridge to reconnect',
    ).toBe(true);
  });

  it.skipIf(!isRoot())(
    'nft.partition edge-1 from cloud-1 (lab, root): the gateway buffers, revert drains',
    async () => {
      embedded = await startEmbeddedTestbed({ lab: true, gateways: 1, workers: 2 });
      const { hosts } = embedded;
      const gateway = embedded.testbed.gateways[0]!;
      expect(
        await waitUntil(async () => (await gateway.stats()).bridgeConnected, {
          timeoutMs: 10_000,
          intervalMs: 100,
        }),
        'the bridge',
      ).toBe(true);
      const devices = await startProbe(
        { role: 'devices', url: 'mqtt://127.0.0.1:1883', count: 2, ratePerSEach: 50 },
        ['ip', 'netns', 'exec', hosts['edge-1']!.netns],
      );
      probes.push(devices);
      const agent = createLocalAgent({ processes: embedded.processes, proxies: new Map() });
      const fault = await agent.inject({
        faultId: 'part1',
        kind: 'nft.partition',
        target: { host: hosts['edge-1']!.netns },
        params: { peers: [hosts['cloud-1']!.address] },
        durationMs: 3000,
      });
      await sleep(3000);
      const during = await gateway.stats();
      await fault.revert();
      expect(
        await waitUntil(async () => (await gateway.stats()).queueDepth < 20, {
          timeoutMs: 15_000,
          intervalMs: 100,
        }),
        'the drain',
      ).toBe(true);
      await devices.request('stop');
      expect(during.queueDepth).toBeGreaterThan(200); // ~100 msgs/s × 3 s
    },
  );
});
