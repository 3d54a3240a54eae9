/**
 * `squall run --metrics-listen ADDR`: the run's metrics (metrics-exposition.ts) served at
 * `http://ADDR/metrics` for as long as the run goes on, for a Prometheus to scrape. Its own
 * registry, so nothing else in the process shows up in it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { SquallError } from '../core/errors.js';
import { createRunMetrics, type RunMetricsObserver } from './metrics-exposition.js';

export interface RunMetricsListener {
  readonly observer: RunMetricsObserver;
  /** `http://host:port/metrics`, the port as bound (ADDR may ask for port 0). */
  readonly url: string;
  close(): Promise<void>;
}

/** `host:port`, port 0–65535 (0: any free port); IPv6 in brackets: `[::1]:9464`. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65_535) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--metrics-listen: expected 'host:port' such as '127.0.0.1:9464', got '${text}'`,
    );
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export async function startRunMetricsListener(address: string): Promise<RunMetricsListener> {
  const { host, port } = parseListenAddress(address);
  const registry = new Registry();
  const observer = createRunMetrics(registry);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SquallError(
          'SQUALL_METRICS_LISTEN_FAILED',
          `--metrics-listen ${address}: cannot listen (${err.code ?? err.message})`,
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    observer,
    url: `http://${shownHost}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
