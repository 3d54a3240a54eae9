import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsSource } from '../core/metrics.js';
import { Probe } from '../spec/schema.js';
import { probeKinds } from './catalog.js';

/** Parses the probe as the experiment loader would, then creates it. */
function createProbe(input: Record<string, unknown>): MetricsSource {
  const spec = Probe.parse({ name: 'api', kind: 'http', ...input });
  const kind = probeKinds.get('http')!;
  return kind.create(spec, kind.params.parse(spec.params));
}

describe('http probe', () => {
  let server: http.Server;
  let base: string;
  let status: number;
  let hang: boolean;
  const probes: MetricsSource[] = [];

  beforeEach(async () => {
    status = 200;
    hang = false;
    server = http.createServer((req, res) => {
      if (hang) return; // never answers
      res.statusCode = status;
      res.end(req.method);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const p of probes.splice(0)) await p.stop?.();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const run = async (probe: MetricsSource, forMs: number) => {
    probes.push(probe);
    await probe.start?.();
    await new Promise((r) => setTimeout(r, forMs));
    await probe.stop?.();
    return probe.collect();
  };

  it('counts ok and total and records latency, and collect resets', async () => {
    const probe = createProbe({ every: '50ms', timeout: '1s', params: { url: `${base}/health` } });
    const reading = await run(probe, 220);
    expect(reading.counters!.total).toBeGreaterThanOrEqual(2);
    expect(reading.counters!.ok).toBe(reading.counters!.total);
    expect(reading.counters!.errors).toBe(0);
    expect(reading.histograms!.latency!.totalCount).toBe(reading.counters!.total);
    expect(probe.collect().counters).toEqual({ ok: 0, total: 0, errors: 0, timeouts: 0, skipped: 0 });
  });

  it('judges the status against expectStatus', async () => {
    status = 503;
    let reading = await run(createProbe({ every: '50ms', params: { url: base } }), 120);
    expect(reading.counters!.total).toBeGreaterThan(0);
    expect(reading.counters!.ok).toBe(0);
    expect(reading.counters!.errors).toBe(0); // it answered: a bad status, not an error
    reading = await run(
      createProbe({ every: '50ms', params: { url: base, expectStatus: [503, '200-204'] } }),
      120,
    );
    expect(reading.counters!.ok).toBe(reading.counters!.total);
  });

  it('counts errors when the server is down', async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const reading = await run(createProbe({ every: '50ms', params: { url: base } }), 170);
    expect(reading.counters!.total).toBeGreaterThanOrEqual(2);
    expect(reading.counters!.ok).toBe(0);
    expect(reading.counters!.errors).toBe(reading.counters!.total);
    expect(reading.histograms!.latency!.totalCount).toBe(0);
    server = http.createServer().listen(0); // for afterEach
  });

  it('times out a hung request and does not double up while one is in flight', async () => {
    hang = true;
    const reading = await run(createProbe({ every: '50ms', timeout: '200ms', params: { url: base } }), 170);
    // stop() waited for the one request, counted when its timeout fired.
    expect(reading.counters!.total).toBe(1);
    expect(reading.counters!.timeouts).toBe(1);
    expect(reading.counters!.errors).toBe(1);
    expect(reading.counters!.skipped).toBeGreaterThanOrEqual(2);
  });

  it('rejects bad params at validation', () => {
    const kind = probeKinds.get('http')!;
    expect(kind.params.safeParse({ url: 'ftp://x' }).success).toBe(false);
    expect(kind.params.safeParse({ url: base, expectStatus: '200-' }).success).toBe(false);
    expect(kind.params.safeParse({ url: base, extra: 1 }).success).toBe(false);
  });
});
