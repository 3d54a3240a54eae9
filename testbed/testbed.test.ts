/**
 * `startTestbed` end to end: a device on edge-1 reaches a subscriber on the cloud through the
 * gateway's bridge, with either cloud broker; the fault-target roles kill and restart the
 * processes they name. Lab mode (root only) checks the bridges connect across namespaces.
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../engine/core/wait.js';
import { testbedBrokerNames } from '../engine/spec/testbed-names.js';
import { isRoot } from './lab/ip.js';
import { Clients, collect } from './test-support/mqtt.js';
import { startTestbed, type Testbed } from './testbed.js';

let testbed: Testbed | undefined;
const clients = new Clients();
afterEach(async () => {
  await clients.closeAll();
  await testbed?.stop();
  testbed = undefined;
});

describe('startTestbed', () => {
  for (const broker of ['aedes', 'mosquitto'] as const) {
    it.skipIf(broker === 'mosquitto' && !existsSync('/usr/sbin/mosquitto'))(
      `forwards device telemetry from edge-1 to the ${broker} cloud`,
      async () => {
        testbed = await startTestbed({ broker, gateways: 1, workers: 2 });
        const names = testbed.processes().map((p) => p.name);
        expect(names).toEqual(
          broker === 'aedes'
            ? ['cloud-broker', 'cloud-worker-0', 'cloud-worker-1', 'edge-1']
            : ['cloud-broker', 'edge-1'],
        );
        expect(Object.keys(testbed.brokers())).toEqual(testbedBrokerNames({ gateways: 1 }));
        const { cloud, 'edge-1': edge } = testbed.brokers();
        const sink = await clients.connect(cloud!, { clientId: 'sink' });
        await sink.subscribeAsync('fleet/#', { qos: 1 });
        expect(
          await waitUntil(async () => (await testbed!.gateways[0]!.stats()).bridgeConnected, {
            timeoutMs: 10_000,
            intervalMs: 100,
          }),
        ).toBe(true);
        const got = collect(sink, 10);
        const device = await clients.connect(edge!, { clientId: 'dev-1' });
        for (let i = 0; i < 10; i++) await device.publishAsync('fleet/dev-1', String(i), { qos: 1 });
        expect((await got).map((m) => m.payload)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
      },
    );
  }

  it('kills and restarts processes by role name', async () => {
    testbed = await startTestbed({ gateways: 1, workers: 2 });
    const worker = testbed.process('cloud-worker-1');
    const before = worker.pid()!;
    process.kill(before, 'SIGKILL');
    // As process.kill's driver does: wait for the exit, then restart on revert.
    expect(await waitUntil(async () => worker.pid() !== before, { timeoutMs: 5000, intervalMs: 100 })).toBe(
      true,
    );
    await worker.restart();
    expect(worker.pid()).toBeGreaterThan(0);
    expect(worker.pid()).not.toBe(before);

    const edge = testbed.process('edge-1');
    process.kill(edge.pid()!, 'SIGKILL');
    expect(await waitUntil(async () => edge.pid() === undefined, { timeoutMs: 5000, intervalMs: 100 })).toBe(
      true,
    );
    await edge.restart();
    expect(edge.pid()).toBeGreaterThan(0);

    const broker = testbed.process('cloud-broker');
    const primary = broker.pid()!;
    process.kill(primary, 'SIGKILL');
    expect(
      await waitUntil(async () => broker.pid() === undefined, { timeoutMs: 5000, intervalMs: 100 }),
    ).toBe(true);
    await broker.restart();
    expect(broker.pid()).not.toBe(primary);
    expect(
      await waitUntil(async () => (await testbed!.gateways[0]!.stats()).bridgeConnected, {
        timeoutMs: 10_000,
        intervalMs: 100,
      }),
    ).toBe(true);
    expect(() => testbed!.process('edge-9')).toThrow(/no testbed process 'edge-9'/);
  });

  for (const broker of ['aedes', 'mosquitto'] as const) {
    it.skipIf(broker === 'mosquitto' && !existsSync('/usr/sbin/mosquitto'))(
      `standby (${broker}): an independent second cloud broker, its own fault target`,
      async () => {
        testbed = await startTestbed({ broker, gateways: 0, workers: 2, standby: true });
        expect(Object.keys(testbed.brokers()).sort()).toEqual(
          testbedBrokerNames({ gateways: 0, standby: true }).sort(),
        );
        const { cloud, 'cloud-standby': standbyUrl } = testbed.brokers();
        expect(standbyUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
        expect(standbyUrl).not.toBe(cloud);
        expect(testbed.describe()).toMatch(/cloud-standby mqtt:/);

        // Independent: a publish on one broker never reaches a subscriber of the other.
        const onStandby = await clients.connect(standbyUrl!, { clientId: 'dr-sub' });
        await onStandby.subscribeAsync('dr/#', { qos: 1 });
        const crossed = collect(onStandby, 1, 500).then(
          () => true,
          () => false,
        );
        const primary = await clients.connect(cloud!, { clientId: 'dr-pub-primary' });
        await primary.publishAsync('dr/x', 'to-primary', { qos: 1 });
        expect(await crossed).toBe(false);

        // The primary cloud broker dies; the standby serves on.
        const cloudBroker = testbed.process('cloud-broker');
        process.kill(cloudBroker.pid()!, 'SIGKILL');
        expect(
          await waitUntil(async () => cloudBroker.pid() === undefined, { timeoutMs: 5000, intervalMs: 100 }),
        ).toBe(true);
        const got = collect(onStandby, 1);
        const failover = await clients.connect(standbyUrl!, { clientId: 'dr-pub-standby' });
        await failover.publishAsync('dr/x', 'to-standby', { qos: 1 });
        expect((await got).map((m) => m.payload)).toEqual(['to-standby']);

        // A fault target by name, restarted where it was (same URL).
        const standby = testbed.process('cloud-standby');
        const before = standby.pid()!;
        process.kill(before, 'SIGKILL');
        expect(
          await waitUntil(async () => standby.pid() === undefined, { timeoutMs: 5000, intervalMs: 100 }),
        ).toBe(true);
        await standby.restart();
        expect(standby.pid()).toBeGreaterThan(0);
        expect(standby.pid()).not.toBe(before);
        const again = await clients.connect(standbyUrl!, { clientId: 'dr-after-restart' });
        expect(again.connected).toBe(true);
      },
    );
  }

  it.skipIf(!isRoot())('lab mode: gateways in their namespaces bridge to cloud-1 (root)', async () => {
    testbed = await startTestbed({ lab: true, gateways: 2, workers: 2 });
    expect(testbed.describe()).toContain(`[netns ${testbed.id}-edge-2, 10.77.0.12]`);
    for (const g of testbed.gateways)
      expect(
        await waitUntil(async () => (await g.stats()).bridgeConnected, {
          timeoutMs: 10_000,
          intervalMs: 100,
        }),
      ).toBe(true);
  });
});
