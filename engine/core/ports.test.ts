/** The port helpers on real loopback sockets. Needs: nothing beyond Node. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort, waitForPort } from './ports.js';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function listen(port: number): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
}

describe('ports', () => {
  it('freePort hands out a port that can be bound, and nothing accepts on it until then', async () => {
    const port = await freePort();
    expect(await acceptsConnections('127.0.0.1', port)).toBe(false);
    await listen(port);
    expect(await acceptsConnections('127.0.0.1', port)).toBe(true);
  });

  it('waitForPort resolves once something listens', async () => {
    const port = await freePort();
    setTimeout(() => void listen(port), 150);
    const started = performance.now();
    await waitForPort('127.0.0.1', port, { timeoutMs: 5000 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('waitForPort rejects with the reason `gone` gives, without waiting out the timeout', async () => {
    const port = await freePort();
    const started = performance.now();
    await expect(
      waitForPort('127.0.0.1', port, { timeoutMs: 10_000, gone: () => 'mosquitto exited: bad config' }),
    ).rejects.toThrow('mosquitto exited: bad config');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('waitForPort rejects naming host, port and timeout when nothing listens', async () => {
    const port = await freePort();
    await expect(waitForPort('127.0.0.1', port, { timeoutMs: 200 })).rejects.toThrow(
      `nothing listens on 127.0.0.1:${port} after 200 ms`,
    );
  });
});
