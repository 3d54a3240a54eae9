/**
 * Entry point of the testbed's `flood` process (forked by services.ts): a noisy tenant. It keeps
 * `connections` MQTT clients publishing QoS 1 on `t/<tenant>/f/<i>` as fast as `everyMs` each,
 * with at most `maxInflight` unacknowledged per client (like a device, it skips a reading rather
 * than queue without bound when the broker is slow to acknowledge). Options arrive as JSON in
 * SQUALL_FLOOD_OPTIONS.
 *
 * It lives outside the fleet so the fleet's per-tenant accounting stays the well-behaved
 * tenants' own. HTTP API:
 * - `GET /stats`           `{ offeredPerS, ackedPerS, skippedPerS, totals }` over the last second
 * - `GET /acked?max=<n>`   200 while the broker accepted at most n publishes/s over the last
 *                          second, 503 above it: a probe target for "the flood is held to quota"
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import type { ServiceMessage } from './service-process.js';

interface FloodOptions {
  port: number;
  brokerUrl: string;
  tenant: string;
  connections: number;
  everyMs: number;
  maxInflight?: number;
}

const opts = JSON.parse(process.env.SQUALL_FLOOD_OPTIONS ?? '{}') as FloodOptions;
const send = (msg: ServiceMessage) => process.send?.(msg);
const maxInflight = opts.maxInflight ?? 64;
const totals = { offered: 0, acked: 0, skipped: 0 };
/** Totals one second ago and now, for per-second rates. */
let lastSecond = { ...totals };
let rates = { offeredPerS: 0, ackedPerS: 0, skippedPerS: 0 };
setInterval(() => {
  rates = {
    offeredPerS: totals.offered - lastSecond.offered,
    ackedPerS: totals.acked - lastSecond.acked,
    skippedPerS: totals.skipped - lastSecond.skipped,
  };
  lastSecond = { ...totals };
}, 1000).unref();

const payload = Buffer.alloc(64, 0x6e);
const clients: mqtt.MqttClient[] = [];
for (let i = 0; i < opts.connections; i++) {
  const c = mqtt.connect(opts.brokerUrl, { clientId: `flood-${opts.tenant}-${i}`, reconnectPeriod: 500 });
  clients.push(c);
  let inflight = 0;
  const topic = `t/${opts.tenant}/f/${i}`;
  setInterval(() => {
    if (!c.connected) return;
    totals.offered++;
    if (inflight >= maxInflight) {
      totals.skipped++;
      return;
    }
    inflight++;
    c.publish(topic, payload, { qos: 1 }, (err) => {
      inflight--;
      if (!err) totals.acked++;
    });
  }, opts.everyMs);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const body = (status: number, value: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (url.pathname === '/stats') return body(200, { ...rates, totals });
  if (url.pathname === '/acked') {
    const max = Number(url.searchParams.get('max'));
    if (!Number.isFinite(max)) return body(400, { error: 'expected ?max=<publishes per second>' });
    return body(rates.ackedPerS <= max ? 200 : 503, { ackedPerS: rates.ackedPerS, max });
  }
  body(404, { error: 'try /stats or /acked?max=<n>' });
});
server.once('error', (err) => {
  send({ t: 'fatal', message: err.message });
  process.exit(1);
});
server.listen(opts.port, '127.0.0.1', () => {
  send({ t: 'ready', port: (server.address() as AddressInfo).port });
});

const stop = () => {
  process.stdout.write(
    `flood: tenant ${opts.tenant} offered ${totals.offered}, acked ${totals.acked}, skipped ${totals.skipped}\n`,
  );
  for (const c of clients) c.end(true);
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
