/**
 * Entry point of the testbed's `downstream` service (forked by services.ts): the HTTP dependency
 * the ingest enriches each reading from. `GET /enrich/<device>` answers a small JSON document at
 * once; anything slow about it is injected on the path (a fault proxy), not here. Options arrive
 * as JSON in SQUALL_DOWNSTREAM_OPTIONS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceMessage } from './service-process.js';

const opts = JSON.parse(process.env.SQUALL_DOWNSTREAM_OPTIONS ?? '{}') as { port?: number; host?: string };
const send = (msg: ServiceMessage) => process.send?.(msg);

let served = 0;
const server = http.createServer((req, res) => {
  const m = /^\/enrich\/([^/?]+)/.exec(req.url ?? '');
  if (m) {
    served++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ device: decodeURIComponent(m[1]!), site: 'site-1', model: 'sq-100' }));
  } else if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ served }));
  } else res.writeHead(404).end();
});
server.keepAliveTimeout = 30_000;
server.once('error', (err) => {
  send({ t: 'fatal', message: err.message });
  process.exit(1);
});
server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
  send({ t: 'ready', port: (server.address() as AddressInfo).port });
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
// The testbed that started us is gone: do not linger.
process.on('disconnect', stop);
