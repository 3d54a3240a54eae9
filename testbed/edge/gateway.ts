/**
 * `createEdgeGateway`: one edge gateway in this process. Devices connect to a local aedes
 * broker; publishes on the forwarded topics are committed to the disk queue before the device
 * gets its PUBACK, and the bridge drains the queue to the cloud. Prometheus metrics on
 * `/metrics`. The process wrapper (gateway-main.ts) and `startEdgeGateway` build on this.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Aedes, type PublishPacket } from 'aedes';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ackAfterHandoff } from '../cloud/ack-after-handoff.js';
import { topicFilterSet } from '../topic-filter.js';
import { Bridge } from './bridge.js';
import { DiskQueue, type OverflowPolicy } from './disk-queue.js';

export interface EdgeGatewayOptions {
  /** Gateway name, e.g. `edge-1`; also names the bridge's client id. */
  name: string;
  /** The cloud broker, e.g. `mqtt://127.0.0.1:1883`. */
  cloudUrl: string;
  /** Directory for the queue file (kept across restarts). */
  dataDir: string;
  /** Topic filters forwarded to the cloud (default `['#']`). */
  forward?: string[];
  topicPrefix?: string;
  /** Local broker port for devices (0: any) and address. */
  port?: number;
  host?: string;
  metricsPort?: number;
  metricsHost?: string;
  /** Queue bound (default 1,000,000 messages) and what happens past it (default drop-oldest). */
  maxQueueMessages?: number;
  overflow?: OverflowPolicy;
  durability?: 'process' | 'power';
  /** Bridge tuning. */
  window?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  reconnectDelayMs?: number;
}

/** A snapshot of the gateway's queue and bridge. */
export interface EdgeGatewayStats {
  queueDepth: number;
  peakQueueDepth: number;
  oldestMessageAgeMs: number;
  enqueued: number;
  forwarded: number;
  resent: number;
  droppedOldest: number;
  droppedNewest: number;
  backPressureWaits: number;
  drainRatePerS: number;
  bridgeConnected: boolean;
  devicesConnected: number;
}

export interface EdgeGateway {
  readonly port: number;
  readonly metricsPort: number;
  stats(): EdgeGatewayStats;
  close(): Promise<void>;
}

export async function createEdgeGateway(options: EdgeGatewayOptions): Promise<EdgeGateway> {
  const queue = new DiskQueue({
    file: path.join(options.dataDir, `${options.name}-queue.db`),
    maxMessages: options.maxQueueMessages ?? 1_000_000,
    overflow: options.overflow ?? 'drop-oldest',
    durability: options.durability ?? 'process',
  });
  const bridge = new Bridge(queue, {
    cloudUrl: options.cloudUrl,
    clientId: `${options.name}-bridge`,
    ...(options.topicPrefix !== undefined && { topicPrefix: options.topicPrefix }),
    ...(options.window !== undefined && { window: options.window }),
    ...(options.keepaliveS !== undefined && { keepaliveS: options.keepaliveS }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.reconnectDelayMs !== undefined && { reconnectDelayMs: options.reconnectDelayMs }),
  });
  const forwarded = topicFilterSet(options.forward ?? ['#']);

  /** Commits a device's publish to the disk queue, then lets aedes acknowledge it. */
  const commit = (packet: PublishPacket, done: (error: Error | null) => void) => {
    queue
      .append({
        topic: packet.topic,
        payload: Buffer.from(packet.payload as Buffer),
        qos: packet.qos,
        retain: packet.retain,
      })
      .then(
        () => {
          bridge.kick();
          done(null);
        },
        // No acknowledgement: the device keeps the message and sends it again.
        (err: Error) => done(err),
      );
  };
  const isForwarded = (topic: string) => !topic.startsWith('$SYS/') && forwarded.test(topic);

  const broker = new Aedes({
    id: options.name,
    published: (packet, client, done) => {
      if (!client || !isForwarded(packet.topic)) return done(null);
      commit(packet, done);
    },
  });
  // aedes 1.2 writes a QoS 1 PUBACK before it runs the publish pipeline (and so before
  // `published`); with the hand-off the PUBACK waits for the pipeline, so for the commit. A
  // QoS 2 PUBREC already follows the pipeline. Either way the message is on disk before the
  // device is told.
  ackAfterHandoff(broker);
  await broker.listen();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });

  const stats = (): EdgeGatewayStats => {
    const oldest = queue.oldestEnqueuedAtMs();
    return {
      queueDepth: queue.depth,
      peakQueueDepth: queue.peakDepth,
      oldestMessageAgeMs: oldest === undefined ? 0 : Date.now() - oldest,
      enqueued: queue.counters.enqueued,
      forwarded: bridge.forwarded,
      resent: bridge.resent,
      droppedOldest: queue.counters.droppedOldest,
      droppedNewest: queue.counters.droppedNewest,
      backPressureWaits: queue.counters.backPressureWaits,
      drainRatePerS: bridge.drainRatePerS(),
      bridgeConnected: bridge.connected,
      devicesConnected: (broker as unknown as { connectedClients: number }).connectedClients,
    };
  };

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, read: (s: EdgeGatewayStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stats()));
      },
    });
  gauge('squall_edge_queue_depth', 'Messages in the store-and-forward queue', (s) => s.queueDepth);
  gauge('squall_edge_queue_peak_depth', 'Largest queue depth since start', (s) => s.peakQueueDepth);
  gauge(
    'squall_edge_queue_oldest_age_seconds',
    'Age of the oldest queued message',
    (s) => s.oldestMessageAgeMs / 1000,
  );
  gauge(
    'squall_edge_drain_rate_per_second',
    'Messages acknowledged by the cloud per second, last 5 s',
    (s) => s.drainRatePerS,
  );
  gauge('squall_edge_bridge_connected', '1 while the bridge is connected to the cloud', (s) =>
    Number(s.bridgeConnected),
  );
  gauge('squall_edge_devices_connected', 'Devices connected to the local broker', (s) => s.devicesConnected);
  const counterOf = (name: string, help: string, read: (s: EdgeGatewayStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  counterOf('squall_edge_enqueued_total', 'Messages committed to the queue', (s) => s.enqueued);
  counterOf('squall_edge_forwarded_total', 'Messages acknowledged by the cloud', (s) => s.forwarded);
  counterOf('squall_edge_resent_total', 'Messages sent again after a broken connection', (s) => s.resent);
  counterOf(
    'squall_edge_dropped_oldest_total',
    'Messages evicted by the drop-oldest policy',
    (s) => s.droppedOldest,
  );
  counterOf(
    'squall_edge_dropped_newest_total',
    'Messages refused by the drop-newest policy',
    (s) => s.droppedNewest,
  );
  counterOf(
    'squall_edge_backpressure_waits_total',
    'Device publishes held for room',
    (s) => s.backPressureWaits,
  );

  const metricsServer = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end('try /metrics\n');
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve) =>
    metricsServer.listen(
      options.metricsPort ?? 0,
      options.metricsHost ?? options.host ?? '127.0.0.1',
      resolve,
    ),
  );

  bridge.start();

  return {
    port: (server.address() as net.AddressInfo).port,
    metricsPort: (metricsServer.address() as net.AddressInfo).port,
    stats,
    async close() {
      await bridge.stop();
      metricsServer.close();
      server.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      queue.close();
    },
  };
}
