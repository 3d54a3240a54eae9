/**
 * The testbed's cloud ingest service: it subscribes to the fleet's telemetry on the cloud
 * broker and enriches each reading from a downstream HTTP service through a circuit breaker
 * (downstream-client.ts). When the breaker is open, readings are stored without enrichment
 * (counted as `fallback`) instead of waiting on a dependency that is known to be slow.
 *
 * HTTP API (the server is returned unbound; ingest-main.ts binds it):
 * - `GET /health`          200 `{ mqtt: true|false }`
 * - `GET /breaker`         200 `{ state, transitions, calls, readings }`
 * - `GET /breaker/closed`  200 while the breaker is closed, 503 while open or half-open: a probe
 *                          target whose success ratio is the share of time the dependency is used
 * - `GET /lookup/<device>` one call through the breaker, as a user-facing request would make:
 *                          200 with the document, 503 at once when the breaker is open,
 *                          504 when the call timed out, 502 when it failed
 */
import http from 'node:http';
import mqtt from 'mqtt';
import {
  type BreakerOptions,
  type CallOutcome,
  createDownstreamClient,
  type DownstreamClient,
  type Transition,
} from './downstream-client.js';

export interface IngestOptions {
  brokerUrl: string;
  /** Telemetry topic filter (default `t/#`). */
  topic?: string;
  /** Base URL of the downstream service (through the testbed's fault proxy). */
  downstreamUrl: string;
  breaker: BreakerOptions;
  onTransition?: (t: Transition) => void;
}

export interface Ingest {
  /** Unbound HTTP API. */
  readonly server: http.Server;
  readonly client: DownstreamClient;
  /** Connects to the broker and subscribes; resolves on SUBACK. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const STATUS: Record<CallOutcome, number> = { ok: 200, rejected: 503, timeout: 504, failed: 502 };

export function createIngest(options: IngestOptions): Ingest {
  const client = createDownstreamClient(options.downstreamUrl, options.breaker, options.onTransition);
  const readings = { received: 0, enriched: 0, fallback: 0 };
  let mqttClient: mqtt.MqttClient | undefined;

  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const lookup = /^\/lookup\/([^/?]+)/.exec(url);
    if (lookup) {
      void client.call(decodeURIComponent(lookup[1]!)).then((r) => {
        json(res, STATUS[r.outcome], r.outcome === 'ok' ? r.body : { error: r.outcome });
      });
    } else if (url === '/breaker/closed') {
      const state = client.state();
      json(res, state === 'closed' ? 200 : 503, { state });
    } else if (url === '/breaker') {
      json(res, 200, {
        state: client.state(),
        transitions: client.transitions(),
        calls: client.counts(),
        readings,
      });
    } else if (url === '/health') {
      json(res, 200, { mqtt: mqttClient?.connected ?? false });
    } else json(res, 404, { error: 'try /health, /breaker, /breaker/closed or /lookup/<device>' });
  });

  return {
    server,
    client,
    async start() {
      const c = mqtt.connect(options.brokerUrl, {
        clientId: `squall-ingest-${process.pid}`,
        reconnectPeriod: 500,
      });
      mqttClient = c;
      c.on('message', (topic) => {
        readings.received++;
        // t/<tenant>/<device>: the device is the last level.
        const device = topic.slice(topic.lastIndexOf('/') + 1);
        void client.call(device).then((r) => {
          if (r.outcome === 'ok') readings.enriched++;
          else readings.fallback++;
        });
      });
      // QoS 0: enrichment is best effort; the fleet's own sink is what accounts for delivery.
      c.on('connect', () => c.subscribe(options.topic ?? 't/#', { qos: 0 }));
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mqttClient?.endAsync(true);
      client.close();
    },
  };
}
