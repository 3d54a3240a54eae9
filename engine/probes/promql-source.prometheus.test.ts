/**
 * The PromQL source against Debian's real Prometheus scraping a real prom-client registry this
 * test serves (counters at known rates, a gauge): each slice's answer is dated to that slice
 * (asked at its end time), rates become events × the slice length, values stay values; and
 * what Prometheus says about bad queries, several series and no data, and an unreachable
 * server, comes back as an outcome, logged where the query is written.
 * Needs: /usr/bin/prometheus.
 */
import http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatedCounters } from '../core/metrics.js';
import { freePort } from '../core/ports.js';
import { queryAt } from './prometheus-api.js';
import { createPromqlSource } from './promql-source.js';
import { startPrometheus, type TestPrometheus } from './test-support/prometheus.js';

const SLICE_MS = 1000;

describe('PromQL source on a real Prometheus', () => {
  const registry = new Registry();
  const total = new Counter({
    name: 'test_requests_total',
    help: 'all',
    labelNames: ['code'],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'test_in_flight', help: 'now', registers: [registry] });
  let server: http.Server;
  let prom: TestPrometheus;
  let ticker: NodeJS.Timeout;

  beforeAll(async () => {
    const port = await freePort();
    server = http.createServer((_req, res) => {
      void registry.metrics().then((body) => res.end(body));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    // 100 requests/s, 80 of them good; 7 in flight.
    ticker = setInterval(() => {
      total.labels('200').inc(8);
      total.labels('500').inc(2);
    }, 100);
    inFlight.set(7);
    prom = await startPrometheus([{ job: 'app', targets: [`127.0.0.1:${port}`] }]);
    await prom.waitForTargetsUp();
    // Enough samples for a 3 s rate.
    await new Promise((r) => setTimeout(r, 4000));
  }, 60_000);
  afterAll(async () => {
    clearInterval(ticker);
    await prom?.stop();
    server?.close();
  });

  it('dates each answer to its slice: rates × slice length as counters, values as gauges', async () => {
    const logs: string[] = [];
    const source = createPromqlSource(
      'prom',
      { url: prom.url, timeout: 2000, delay: 1500 },
      [
        {
          key: 'ok.good',
          expr: 'sum(rate(test_requests_total{code="200"}[3s]))',
          kind: 'rate',
          where: 'x.yaml:9:15 slos[0].params.good',
        },
        {
          key: 'ok.total',
          expr: 'sum(rate(test_requests_total[3s]))',
          kind: 'rate',
          where: 'x.yaml:10:16 slos[0].params.total',
        },
        {
          key: 'busy.value',
          expr: 'test_in_flight',
          kind: 'value',
          where: 'x.yaml:14:16 slos[1].params.query',
        },
        {
          key: 'bad.value',
          expr: 'sum(rate(test_requests_total[3s])',
          kind: 'value',
          where: 'x.yaml:18:16 slos[2].params.query',
        },
        {
          key: 'many.value',
          expr: 'rate(test_requests_total[3s])',
          kind: 'value',
          where: 'x.yaml:21:16 slos[3].params.query',
        },
        {
          key: 'none.value',
          expr: 'absent_metric_here',
          kind: 'value',
          where: 'x.yaml:24:16 slos[4].params.query',
        },
      ],
      { sliceMs: SLICE_MS, log: (m) => logs.push(m) },
    );
    const dated: DatedCounters[] = [];
    const ends: number[] = [];
    // Close three slices on the grid, as the runner's clock does.
    for (let i = 0; i < 3; i++) {
      const next = Math.ceil((Date.now() + 1) / SLICE_MS) * SLICE_MS;
      await new Promise((r) => setTimeout(r, next - Date.now() + 5));
      ends.push(next);
      dated.push(...(source.collect().dated ?? []));
    }
    await source.settle!(ends.at(-1)!);
    await source.stop!();
    dated.push(...(source.collect().dated ?? []));

    expect(dated.map((d) => d.startMs).sort()).toEqual(ends.map((e) => e - SLICE_MS));
    for (const d of dated) {
      // Per slice of 1 s: ~100 requests, ~80 good (Prometheus extrapolates a little).
      expect(d.counters['ok.total']).toBeGreaterThan(85);
      expect(d.counters['ok.total']).toBeLessThan(115);
      expect(d.counters['ok.good']! / d.counters['ok.total']!).toBeCloseTo(0.8, 1);
      expect(d.maxGauges?.['busy.value']).toBe(7);
      expect(d.maxGauges).not.toHaveProperty('bad.value');
      expect(d.maxGauges).not.toHaveProperty('many.value');
      expect(d.maxGauges).not.toHaveProperty('none.value');
    }
    // Each failure said once, where the query is written.
    expect(logs.filter((l) => l.startsWith('x.yaml:18:16 slos[2].params.query: '))).toEqual([
      expect.stringMatching(/Prometheus rejected the query: .*parse error/),
    ]);
    expect(logs.filter((l) => l.startsWith('x.yaml:21:16 slos[3].params.query: '))).toEqual([
      expect.stringMatching(/returns 2 series, .*aggregate it to one/),
    ]);
    expect(logs.filter((l) => l.startsWith('x.yaml:24:16 slos[4].params.query: '))).toEqual([
      expect.stringContaining('returns no data'),
    ]);
    expect(logs.filter((l) => l.includes('slos[0]') || l.includes('slos[1]'))).toEqual([]);
  }, 30_000);

  it('asks for the value at the given time, not now', async () => {
    // Before the counters existed in Prometheus there is nothing; now there is.
    const then = await queryAt(prom.url, 'test_in_flight', Date.now() - 3_600_000, 2000);
    const now = await queryAt(prom.url, 'test_in_flight', Date.now(), 2000);
    expect(then).toEqual({ kind: 'nodata' });
    expect(now).toEqual({ kind: 'value', value: 7 });
  });

  it('says when Prometheus cannot be reached, or is not Prometheus', async () => {
    const closed = await freePort();
    const outcome = await queryAt(`http://127.0.0.1:${closed}`, 'up', Date.now(), 1000);
    expect(outcome).toEqual({ kind: 'unreachable', message: expect.stringContaining('ECONNREFUSED') });
    const notProm = await queryAt(`${prom.url}/nothing-here`, 'up', Date.now(), 1000);
    expect(notProm.kind).toBe('failed');
  });
});
