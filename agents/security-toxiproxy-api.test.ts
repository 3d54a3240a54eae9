/**
 * Issue 12, finding 6: the Toxiproxy-compatible HTTP API against what a web page can make a
 * browser send, with real HTTP requests (node:http, fetch) to a real API on loopback and a real
 * `squall agent --toxiproxy-api` process:
 * - a DNS-rebinding-style request (right address, foreign `Host`) is refused, nothing created;
 * - a cross-site-style `text/plain` POST (a CORS "simple request") is refused (415);
 * - a request carrying `Origin` (any browser) is refused;
 * - a body over 64 KiB gets 413, with or without Content-Length;
 * - a proxy may listen on loopback only unless the agent's policy allows more;
 * - the real toxiproxy-node-client still drives it.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import toxiproxyClient from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultProxy } from './proxy/fault-proxy.js';
import { createToxiproxyApi, type ToxiproxyApi } from './proxy/toxiproxy-api.js';
import { parsePolicy } from './server/policy.js';
import { createReachGate } from './server/policy-reach.js';
import { startSquallAgent } from './test-support/squall-cli.js';

interface Reply {
  status: number;
  body: string;
}

/** One HTTP request with exactly these headers (node:http lets us set Host, fetch does not). */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const proxyBody = (name: string, listen = '127.0.0.1:0') =>
  JSON.stringify({ name, listen, upstream: '127.0.0.1:9' });

describe('finding 6: the Toxiproxy API refuses what a web page can send', () => {
  let proxies: Map<string, FaultProxy>;
  let api: ToxiproxyApi;
  let port: number;
  const json = () => ({ host: `127.0.0.1:${port}`, 'content-type': 'application/json' });

  beforeAll(async () => {
    proxies = new Map();
    // The agent's default policy decides where created proxies may listen.
    const { checkProxyListen } = createReachGate(parsePolicy({}));
    api = createToxiproxyApi({ proxies, checkListen: checkProxyListen });
    ({ port } = await api.listen('127.0.0.1', 0));
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses a DNS-rebinding-style request: loopback address, foreign Host header', async () => {
    for (const host of [
      `attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost:${port + 1}`,
      '127.0.0.1',
    ]) {
      const r = await send(port, 'POST', '/proxies', { ...json(), host }, proxyBody('rebound'));
      expect(r.status, host).toBe(403);
      expect(r.body).toContain('Host header');
    }
    expect(proxies.has('rebound')).toBe(false);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await send(port, 'GET', '/version', { host })).status, host).toBe(200);
    }
  });

  it('refuses a cross-site-style text/plain POST (a simple request a page can send without preflight)', async () => {
    const r = await fetch(`http://127.0.0.1:${port}/proxies`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: proxyBody('simple'),
    });
    expect(r.status).toBe(415);
    expect(await r.text()).toContain('expected Content-Type: application/json');
    const form = await send(
      port,
      'POST',
      '/proxies',
      { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
      proxyBody('form'),
    );
    expect(form.status).toBe(415);
    // No content type at all, but a body: refused too.
    expect(
      (await send(port, 'POST', '/proxies', { host: `127.0.0.1:${port}` }, proxyBody('bare'))).status,
    ).toBe(415);
    expect([...proxies.keys()]).toEqual([]);
  });

  it('refuses requests a browser sends (Origin, Sec-Fetch-Site, a Mozilla user agent), even bodiless ones', async () => {
    const base = { host: `127.0.0.1:${port}` };
    const browserHeaders: Record<string, string>[] = [
      { origin: 'https://attacker.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' },
    ];
    for (const extra of browserHeaders) {
      const r = await send(port, 'POST', '/reset', { ...base, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(403);
      expect(r.body).toContain('web browsers');
    }
  });

  it('answers 413 to a body over 64 KiB, with or without Content-Length', async () => {
    const big = JSON.stringify({
      name: 'big',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:9',
      pad: 'x'.repeat(70_000),
    });
    const declared = await send(
      port,
      'POST',
      '/proxies',
      { ...json(), 'content-length': String(Buffer.byteLength(big)) },
      big,
    );
    expect(declared.status).toBe(413);
    const chunked = await send(port, 'POST', '/proxies', { ...json(), 'transfer-encoding': 'chunked' }, big);
    expect(chunked.status).toBe(413);
    expect(proxies.has('big')).toBe(false);
    // The connection keeps working for the next request.
    expect((await send(port, 'GET', '/version', { host: `127.0.0.1:${port}` })).status).toBe(200);
  });

  it('creates proxies on loopback only unless the policy allows more', async () => {
    const wide = await send(port, 'POST', '/proxies', json(), proxyBody('wide', '0.0.0.0:0'));
    expect(wide.status).toBe(403);
    expect(wide.body).toContain('proxyApi.listen');
    const named = await send(port, 'POST', '/proxies', json(), proxyBody('named', 'example.com:0'));
    expect(named.status).toBe(403);
    const ok = await send(port, 'POST', '/proxies', json(), proxyBody('local'));
    expect(ok.status, ok.body).toBe(201);
    expect((await send(port, 'DELETE', '/proxies/local', { host: `127.0.0.1:${port}` })).status).toBe(204);
    // A policy may open it up.
    const { checkProxyListen } = createReachGate(parsePolicy({ proxyApi: { listen: ['0.0.0.0/0'] } }));
    expect(() => checkProxyListen('0.0.0.0:0')).not.toThrow();
  });

  it('the real toxiproxy-node-client still drives it', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    try {
      const client = new toxiproxyClient.Toxiproxy(`http://127.0.0.1:${port}`);
      const proxy = await client.createProxy({
        name: 'redis',
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${(echo.address() as net.AddressInfo).port}`,
      });
      await proxy.addToxic({
        name: 'slow',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 10, jitter: 0 },
      } as Parameters<typeof proxy.addToxic>[0]);
      expect(
        proxies
          .get('redis')!
          .toxics()
          .map((t) => t.type),
      ).toEqual(['latency']);
      await (await proxy.getToxic('slow')).remove();
      await client.reset();
      await proxy.remove();
      expect(proxies.has('redis')).toBe(false);
    } finally {
      echo.close();
    }
  });
});

describe('finding 6 through a real `squall agent --toxiproxy-api` process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-api-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the same rules, and the policy file decides the proxies’ listen addresses', async () => {
    writeFileSync(join(dir, 'policy.yaml'), 'proxyApi: { listen: [127.0.0.2] }\n');
    const agent = await startSquallAgent([
      '--listen',
      `unix:${join(dir, 'agent.sock')}`,
      '--insecure',
      '--ledger',
      join(dir, 'ledger'),
      '--policy',
      join(dir, 'policy.yaml'),
      '--toxiproxy-api',
      '127.0.0.1:0',
    ]);
    try {
      const line = agent.stdout().find((l) => l.startsWith('Toxiproxy API on http://'))!;
      const port = Number(/:(\d+)$/.exec(line)![1]);
      const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/json' };
      expect(
        (
          await send(
            port,
            'POST',
            '/proxies',
            { ...headers, host: `evil.example:${port}` },
            proxyBody('a', '127.0.0.2:0'),
          )
        ).status,
      ).toBe(403);
      expect((await send(port, 'POST', '/proxies', headers, proxyBody('b', '127.0.0.1:0'))).status).toBe(403);
      const ok = await send(port, 'POST', '/proxies', headers, proxyBody('c', '127.0.0.2:0'));
      expect(ok.status, ok.body).toBe(201);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });
});
