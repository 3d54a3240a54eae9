/**
 * Integration: the engine applies its reconnect policy on real sockets. A flapping broker
 * (CONNACK, then a close 30 ms later) sees connection arrivals spaced by 30 ms + the backoff:
 * exponential growth when `resetAfter` is longer than the connections live, the base delay
 * every time when a CONNACK resets the backoff.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEngine } from './device-engine.js';
import { resolveEngineConfig } from './engine-config.js';

const servers: net.Server[] = [];
const engines: DeviceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  for (const s of servers.splice(0)) s.close();
});

/** Answers CONNECT with CONNACK 0 and closes `upMs` later; records when connections arrive. */
async function flappingBroker(upMs: number) {
  const arrivals: number[] = [];
  const server = net.createServer((s) => {
    arrivals.push(performance.now());
    s.once('data', () => {
      s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      setTimeout(() => s.destroy(), upMs);
    });
    s.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, arrivals };
}

async function gapsMs(resetAfterMs: number, connections: number) {
  const broker = await flappingBroker(30);
  const engine = new DeviceEngine(
    resolveEngineConfig({
      broker: { host: '127.0.0.1', port: broker.port },
      reconnect: { strategy: 'exponential', baseMs: 50, capMs: 400, resetAfterMs },
      groups: [{ count: 1 }],
    }),
  );
  engines.push(engine);
  engine.start();
  await engine.waitFor(
    () => broker.arrivals.length >= connections,
    5000,
    () => `${broker.arrivals.length} arrivals`,
  );
  const a = broker.arrivals;
  return a.slice(1, connections).map((t, i) => t - a[i]! - 30); // minus the 30 ms it was up
}

describe('reconnect policy in the engine', () => {
  it('backs off exponentially when connections die before resetAfter', async () => {
    const gaps = await gapsMs(1000, 6);
    const expected = [50, 100, 200, 400, 400];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 5);
      expect(gap).toBeLessThan(expected[i]! + 40); // timer wheel tick, handshake, loaded machine
    });
  });

  it('starts from the base delay again when a CONNACK resets the backoff (resetAfter 0)', async () => {
    const gaps = await gapsMs(0, 6);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(45);
      expect(gap).toBeLessThan(90);
    }
  });
});
