/**
 * The built-in proxy's Toxiproxy HTTP API, driven by toxiproxy-node-client: a proxy and a
 * latency toxic created through the client add the set latency (p50 within ±2 ms); the
 * toxiproxy.* drivers work against it; every remaining toxic does what Toxiproxy's does.
 */
import { once } from 'node:events';
import net from 'node:net';
import toxiproxyClient from 'toxiproxy-node-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../local/local-agent.js';
import type { FaultProxy } from './fault-proxy.js';
import { createFaultProxy } from './fault-proxy.js';
import { createToxiproxyApi, type ToxiproxyApi } from './toxiproxy-api.js';

async function startEcho() {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port };
}

async function connect(address: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  const socket = net.connect({
    host: address.slice(0, i),
    port: Number(address.slice(i + 1)),
    noDelay: true,
  });
  await once(socket, 'connect');
  return socket;
}

async function roundTripMs(socket: net.Socket, bytes = 4): Promise<number> {
  const t0 = performance.now();
  socket.write(Buffer.alloc(bytes, 1));
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      got += d.length;
      if (got >= bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('Toxiproxy HTTP API on the built-in proxy', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxies: Map<string, FaultProxy>;
  let api: ToxiproxyApi;
  let url: string;
  const sockets: net.Socket[] = [];

  beforeEach(async () => {
    echo = await startEcho();
    proxies = new Map();
    api = createToxiproxyApi({ proxies });
    const { port } = await api.listen('127.0.0.1', 0);
    url = `http://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await api.close();
    for (const p of proxies.values()) await p.stop();
    await new Promise((r) => echo.server.close(r));
  });

  const open = async (address: string) => {
    const s = await connect(address);
    sockets.push(s);
    return s;
  };

  it('toxiproxy-node-client creates a proxy and a latency toxic; added p50 is within ±2 ms', async () => {
    const toxiproxy = new toxiproxyClient.Toxiproxy(url);
    expect(await toxiproxy.getVersion()).toMatch(/squall/);
    const proxy = await toxiproxy.createProxy({
      name: 'redis',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    });
    expect(proxies.has('redis')).toBe(true);
    const socket = await open(proxy.listen);
    const base: number[] = [];
    for (let i = 0; i < 30; i++) base.push(await roundTripMs(socket));
    const toxic = await proxy.addToxic({
      name: 'lat',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 40, jitter: 0 },
    } as Parameters<typeof proxy.addToxic>[0]);
    const slow: number[] = [];
    for (let i = 0; i < 30; i++) slow.push(await roundTripMs(socket));
    const added = median(slow) - median(base);
    console.log(
      `toxiproxy-node-client latency 40ms: base p50 ${median(base).toFixed(2)} ms, with toxic ${median(slow).toFixed(2)} ms, added ${added.toFixed(2)} ms`,
    );
    expect(Math.abs(added - 40)).toBeLessThanOrEqual(2);
    expect((await toxiproxy.get('redis')).name).toBe('redis');
    expect((await (await toxiproxy.get('redis')).getToxic('lat')).attributes).toEqual({
      latency: 40,
      jitter: 0,
    });
    await toxic.remove();
    expect(proxies.get('redis')!.toxics()).toEqual([]);
    expect(await roundTripMs(socket)).toBeLessThan(20);
    const all = await toxiproxy.getAll();
    expect(Object.keys(all)).toEqual(['redis']);
    await proxy.remove();
    expect(proxies.has('redis')).toBe(false);
  });

  it('answers unknown proxies and toxics with 404 and duplicates with 409, like Toxiproxy', async () => {
    expect((await fetch(`${url}/proxies/nope`)).status).toBe(404);
    const body = JSON.stringify({ name: 'a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${url}/proxies`, { method: 'POST', body, headers })).status).toBe(201);
    expect((await fetch(`${url}/proxies`, { method: 'POST', body, headers })).status).toBe(409);
    expect((await fetch(`${url}/proxies/a/toxics/nope`)).status).toBe(404);
    const bad = await fetch(`${url}/proxies/a/toxics`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'latncy' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("did you mean 'latency'");
    expect((await fetch(`${url}/reset`, { method: 'POST' })).status).toBe(204);
  });

  it('toxiproxy.toxic and toxiproxy.down drive it through the agent and revert exactly', async () => {
    const proxy = createFaultProxy({ name: 'db', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    await proxy.start();
    proxies.set('db', proxy);
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
    const toxic = await agent.inject({
      faultId: 'tp-1',
      kind: 'toxiproxy.toxic',
      target: { proxy: 'db' },
      params: { url, type: 'latency', attributes: { latency: 30 } },
      durationMs: 1000,
    });
    expect(proxy.toxics().map((t) => t.type)).toEqual(['latency']);
    await toxic.revert();
    expect(proxy.toxics()).toEqual([]);
    const down = await agent.inject({
      faultId: 'tp-2',
      kind: 'toxiproxy.down',
      target: { proxy: 'db' },
      params: { url },
      durationMs: 1000,
    });
    expect(proxy.enabled).toBe(false);
    await down.revert();
    expect(proxy.enabled).toBe(true);
    expect(await roundTripMs(await open(proxy.listen))).toBeLessThan(50);
    const missing = agent.inject({
      faultId: 'tp-3',
      kind: 'toxiproxy.down',
      target: { proxy: 'nope' },
      params: { url },
      durationMs: 1000,
    });
    await expect(missing).rejects.toMatchObject({ code: 'SQUALL_FAULT_INJECT_FAILED' });
  });
});

describe('the remaining toxics', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let proxy: FaultProxy;
  const sockets: net.Socket[] = [];
  beforeEach(async () => {
    echo = await startEcho();
    proxy = createFaultProxy({ name: 'p', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    await proxy.start();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await proxy.stop();
    await new Promise((r) => echo.server.close(r));
  });
  const open = async () => {
    const s = await connect(proxy.listen);
    s.on('error', () => {});
    sockets.push(s);
    return s;
  };
  const closedWithin = (s: net.Socket, ms: number) =>
    Promise.race([
      once(s, 'close').then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
    ]);

  it('bandwidth limits throughput to rate KB/s', async () => {
    proxy.addToxic({ type: 'bandwidth', stream: 'downstream', attributes: { rate: 100 } }); // 100 KB/s
    const s = await open();
    const ms = await roundTripMs(s, 20_000); // 20 KB at 100 KB/s: ~200 ms
    expect(ms).toBeGreaterThan(150);
    expect(ms).toBeLessThan(600);
  });

  it('timeout swallows data and closes after timeout ms', async () => {
    proxy.addToxic({ type: 'timeout', stream: 'upstream', attributes: { timeout: 150 } });
    const s = await open();
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
    });
    s.write('hello');
    expect(await closedWithin(s, 1000)).toBe(true);
    expect(got).toBe(0);
  });

  it('reset_peer resets the connection', async () => {
    proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 50 } });
    const s = await open();
    const error = once(s, 'error').then(([e]) => (e as NodeJS.ErrnoException).code);
    expect(await error).toBe('ECONNRESET');
  });

  it('slicer delivers data in small pieces, delay µs apart', async () => {
    proxy.addToxic({
      type: 'slicer',
      stream: 'downstream',
      attributes: { average_size: 100, size_variation: 10, delay: 10_000 },
    });
    const s = await open();
    let events = 0;
    s.on('data', () => events++);
    // ~10 slices 10 ms apart: at least 80 ms end to end, in several reads (a loaded machine may
    // release a few late slices together, so not necessarily one read per slice).
    const ms = await roundTripMs(s, 1000);
    expect(ms).toBeGreaterThanOrEqual(70);
    expect(events).toBeGreaterThanOrEqual(3);
  });

  it('limit_data closes the connection after bytes', async () => {
    proxy.addToxic({ type: 'limit_data', stream: 'downstream', attributes: { bytes: 10 } });
    const s = await open();
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
    });
    s.write(Buffer.alloc(50, 1));
    expect(await closedWithin(s, 1000)).toBe(true);
    expect(got).toBe(10);
  });

  it('slow_close delays the close by delay ms', async () => {
    proxy.addToxic({ type: 'slow_close', stream: 'downstream', attributes: { delay: 200 } });
    const s = await open();
    s.resume();
    const t0 = performance.now();
    s.end();
    expect(await closedWithin(s, 1500)).toBe(true);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(180);
  });
});
