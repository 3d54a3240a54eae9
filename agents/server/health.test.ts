/**
 * The agent's health endpoint for Kubernetes probes: the server itself over real HTTP, then a
 * real `squall agent --health` with mTLS on loopback. The reason it exists is shown too: a
 * kubelet-style TCP probe of the mTLS port is logged as a refused handshake, every time; the
 * health port's probes log nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../engine/app/cli/command.js';
import { main } from '../../engine/app/cli/main.js';
import { initCerts } from '../certs/cert-files.js';
import { createHealthServer } from './health.js';

const get = async (url: string, method = 'GET') => {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text() };
};

describe('the health server', () => {
  it('answers /livez always, /readyz only when ready, and nothing else', async () => {
    let ready = false;
    const server = createHealthServer(() => ready);
    const { port } = await server.listen('127.0.0.1', 0);
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await get(`${base}/livez`)).toEqual({ status: 200, body: 'ok\n' });
      expect(await get(`${base}/readyz`)).toEqual({ status: 503, body: 'not ready\n' });
      ready = true;
      expect(await get(`${base}/readyz`)).toEqual({ status: 200, body: 'ready\n' });
      expect(await get(`${base}/readyz?verbose=1`)).toEqual({ status: 200, body: 'ready\n' });
      expect(await get(`${base}/readyz`, 'HEAD')).toEqual({ status: 200, body: '' });
      expect((await get(`${base}/metrics`)).status).toBe(404);
      expect((await get(`${base}/livez`, 'POST')).status).toBe(405);
    } finally {
      await server.close();
    }
    await expect(fetch(`${base}/livez`)).rejects.toThrow();
  });
});

describe('squall agent --health', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-agent-health-'));
    initCerts({ dir: join(dir, 'certs'), agents: ['edge-1'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is ready once the mTLS port listens; its probes log nothing, unlike a TCP probe of the mTLS port', async () => {
    let out = '';
    let err = '';
    const abort = new AbortController();
    let up!: () => void;
    const listening = new Promise<void>((r) => (up = r));
    const io: CliIO = {
      stdout: {
        write: (c: string) => {
          out += c;
          if (/squall agent listening on /.test(out)) up();
        },
      },
      stderr: { write: (c: string) => (err += c) },
      cwd: dir,
      env: { HOME: dir },
      signal: abort.signal,
    };
    const certs = join(dir, 'certs');
    const done = main(
      [
        'agent',
        '--listen',
        '127.0.0.1:0',
        '--tls-ca',
        join(certs, 'ca.pem'),
        '--tls-cert',
        join(certs, 'edge-1.pem'),
        '--tls-key',
        join(certs, 'edge-1.key'),
        '--ledger',
        join(dir, 'ledger'),
        '--health',
        '127.0.0.1:0',
      ],
      io,
    );
    await Promise.race([listening, done.then((code) => Promise.reject(new Error(`exit ${code}: ${err}`)))]);
    const health = /health on (http:\/\/\S+) /.exec(out)![1]!;
    const grpcPort = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
    for (let i = 0; i < 5; i++) {
      expect(await get(`${health}/livez`)).toEqual({ status: 200, body: 'ok\n' });
      expect(await get(`${health}/readyz`)).toEqual({ status: 200, body: 'ready\n' });
    }
    expect(err).not.toContain('refused TLS connection');
    // What a kubelet tcpSocket probe of the gRPC port does: connect, then close.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(grpcPort, '127.0.0.1', () => socket.end());
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await expect.poll(() => err, { timeout: 5000 }).toContain('refused TLS connection from 127.0.0.1');
    abort.abort();
    expect(await done).toBe(0);
    await expect(fetch(`${health}/livez`)).rejects.toThrow();
  });
});
