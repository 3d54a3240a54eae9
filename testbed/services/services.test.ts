/**
 * The testbed's cloud services as real processes: the ingest subscribes to a real broker
 * (aedes on port 0) and calls the downstream process through the `ingest-downstream` fault
 * proxy; a latency toxic on that proxy opens its opossum breaker, lookups then fail fast with
 * 503, and removing the toxic closes it again. The flood process publishes for its tenant and
 * reports its rates. Needs: Node only.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../engine/core/wait.js';
import { startAedes } from '../../simulator/test-support/brokers.js';
import { type IngestServices, startFlood, startIngestServices } from './services.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface BreakerView {
  state: string;
  calls: Record<string, number>;
  readings: { received: number; enriched: number; fallback: number };
}

const getJson = async (url: string): Promise<{ status: number; body: unknown; ms: number }> => {
  const t0 = performance.now();
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), ms: performance.now() - t0 };
};

describe('testbed cloud services', () => {
  it('the ingest enriches telemetry through the breaker; a slow downstream opens it, lookups fail fast, recovery closes it', async () => {
    const broker = await startAedes();
    cleanups.push(() => broker.close());
    const services: IngestServices = await startIngestServices({
      cloudUrl: `mqtt://127.0.0.1:${broker.port}`,
      breaker: { timeoutMs: 200, resetTimeoutMs: 500, rollingWindowMs: 1000, volumeThreshold: 5 },
    });
    cleanups.push(() => services.stop());
    expect(services.processes().map((p) => p.name)).toEqual(['downstream', 'ingest']);
    expect(services.pids()).toHaveLength(2);

    // Telemetry drives calls to the downstream: 100 readings/s from one publisher.
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`);
    cleanups.push(() => device.endAsync(true));
    const timer = setInterval(() => void device.publish('t/acme/7', 'x', { qos: 1 }), 10);
    cleanups.push(async () => clearInterval(timer));

    const breaker = () => getJson(`${services.url}/breaker`).then((r) => r.body as BreakerView);
    const enriched = async () => (await breaker()).readings.enriched > 50;
    expect(await waitUntil(enriched, { timeoutMs: 5000, intervalMs: 50 }), 'enriched readings').toBe(true);
    expect((await getJson(`${services.url}/lookup/7`)).status).toBe(200);

    // 1 s on every response from the downstream: calls time out at 200 ms, the breaker opens.
    const removeLatency = services.proxy.addToxic({ type: 'latency', attributes: { latency: 1000 } });
    const t0 = Date.now();
    const opened = async () => (await breaker()).state === 'open';
    expect(await waitUntil(opened, { timeoutMs: 5000, intervalMs: 50 }), 'the breaker to open').toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
    const open = await getJson(`${services.url}/lookup/7`);
    expect(open.status).toBe(503);
    expect(open.ms).toBeLessThan(150); // at once, not after the 200 ms timeout, not after 1 s
    expect((await getJson(`${services.url}/breaker/closed`)).status).toBe(503);
    const during = await breaker();
    expect(during.calls.timeout).toBeGreaterThan(0);
    expect(during.readings.fallback).toBeGreaterThan(0);

    await removeLatency();
    const closed = async () => (await breaker()).state === 'closed';
    expect(await waitUntil(closed, { timeoutMs: 3000, intervalMs: 50 }), 'the breaker to close').toBe(true);
    expect((await getJson(`${services.url}/lookup/7`)).status).toBe(200);
    expect((await getJson(`${services.url}/breaker/closed`)).status).toBe(200);
  }, 30_000);

  it('the flood publishes for its tenant as fast as the broker acknowledges, and reports its rates', async () => {
    const broker = await startAedes();
    cleanups.push(() => broker.close());
    const seen = new Set<string>();
    broker.aedes.on('publish', (packet, client) => {
      if (client) seen.add(packet.topic);
    });
    const flood = await startFlood({
      cloudUrl: `mqtt://127.0.0.1:${broker.port}`,
      tenant: 'noisy',
      connections: 3,
      everyMs: 10,
    });
    cleanups.push(() => flood.stop());
    const url = `http://127.0.0.1:${flood.port}`;
    let stats = { ackedPerS: 0, offeredPerS: 0 };
    const aSecondOfFlood = async () => {
      stats = (await getJson(`${url}/stats`)).body as typeof stats;
      return stats.ackedPerS > 0;
    };
    expect(await waitUntil(aSecondOfFlood, { timeoutMs: 5000, intervalMs: 50 }), 'a second of flood').toBe(
      true,
    );
    // 3 × 100/s offered; an idle broker acknowledges nearly all (timers drift on a busy runner).
    expect(stats.offeredPerS).toBeGreaterThan(150);
    expect(stats.ackedPerS).toBeGreaterThan(150);
    expect([...seen].sort()).toEqual(['t/noisy/f/0', 't/noisy/f/1', 't/noisy/f/2']);
    expect((await getJson(`${url}/acked?max=100000`)).status).toBe(200);
    expect((await getJson(`${url}/acked?max=1`)).status).toBe(503);
    expect(flood.pid()).toBeGreaterThan(0);
  }, 30_000);

  it('a service killed by a fault reads as gone, and restart() brings it back on its port', async () => {
    const broker = await startAedes();
    cleanups.push(() => broker.close());
    const services = await startIngestServices({ cloudUrl: `mqtt://127.0.0.1:${broker.port}` });
    cleanups.push(() => services.stop());
    const ingest = services.processes().find((p) => p.name === 'ingest')!;
    const before = ingest.pid()!;
    expect(before).toBeGreaterThan(0);
    process.kill(before, 'SIGKILL');
    const gone = () => ingest.pid() === undefined;
    expect(
      await waitUntil(gone, { timeoutMs: 5000, intervalMs: 50 }),
      'the killed ingest to read as gone',
    ).toBe(true);
    await ingest.restart();
    const after = ingest.pid();
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    expect((await getJson(`${services.url}/breaker`)).status).toBe(200);
  });
});
