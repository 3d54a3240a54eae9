/**
 * Entry point of one cloud worker (a node:cluster worker): an aedes broker whose emitter and
 * persistence live in the primary, listening on the cluster's shared port. Started only by
 * primary.ts; configuration arrives in the environment.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ClusterEmitter } from './cluster-emitter.js';
import { IpcLink } from './ipc-link.js';
import type { PrimaryToWorker, WorkerToPrimary } from './protocol.js';
import { RemotePersistence } from './remote-persistence.js';

const index = Number(process.env.SQUALL_CLOUD_WORKER_INDEX);
const port = Number(process.env.SQUALL_CLOUD_PORT);
const host = process.env.SQUALL_CLOUD_HOST ?? '127.0.0.1';
const heartbeatIntervalMs = Number(process.env.SQUALL_CLOUD_HEARTBEAT_MS ?? 5000);
const batch = process.env.SQUALL_CLOUD_IPC_BATCH !== '0';

const link = new IpcLink<WorkerToPrimary>(process, batch);
const mq = new ClusterEmitter(link, 1000);
/**
 * Measurement only (bench/testbed-routing.ts): route through mqemitter-redis instead of the
 * primary. Not a dependency of the project: `npm i --no-save mqemitter-redis` plus redis-server.
 */
const redisUrl = process.env.SQUALL_CLOUD_BENCH_REDIS_URL;
const redisModule = 'mqemitter-redis';
const emitter: unknown = redisUrl
  ? ((await import(redisModule)) as { default: (o: object) => unknown }).default({
      connectionString: redisUrl,
      matchEmptyLevels: true,
    })
  : mq;
const brokerId = `cloud-w${index}-${process.pid}`;
const persistence = new RemotePersistence(link, () => brokerId);

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const messagesIn = new Counter({
  name: 'squall_cloud_messages_in_total',
  help: 'PUBLISH packets received from clients',
  registers: [registry],
});
const messagesOut = new Counter({
  name: 'squall_cloud_messages_out_total',
  help: 'PUBLISH packets forwarded to subscribed clients',
  registers: [registry],
});

const broker = new Aedes({
  id: brokerId,
  mq: emitter,
  persistence,
  heartbeatInterval: heartbeatIntervalMs,
  authorizeForward: (_client, packet) => {
    messagesOut.inc();
    return packet;
  },
});
broker.on('publish', (_packet, client) => {
  if (client) messagesIn.inc();
});

new Gauge({
  name: 'squall_cloud_connections',
  help: 'Connected MQTT clients',
  registers: [registry],
  collect() {
    this.set(broker.connectedClients);
  },
});
new Gauge({
  name: 'squall_cloud_ipc_pending_requests',
  help: 'Session-store and routing requests awaiting the primary (a queue depth)',
  registers: [registry],
  collect() {
    this.set(link.pendingRequests);
  },
});
const server = net.createServer(broker.handle);
new Gauge({
  name: 'squall_cloud_socket_write_queue_bytes',
  help: 'Bytes queued in client sockets, not yet written (slow consumers)',
  registers: [registry],
  collect() {
    let bytes = 0;
    const clients = (broker as unknown as { clients: Record<string, unknown> }).clients;
    for (const client of Object.values(clients)) {
      bytes += (client as unknown as { conn?: { writableLength?: number } }).conn?.writableLength ?? 0;
    }
    this.set(bytes);
  },
});

process.on('message', (batchIn: PrimaryToWorker[]) => {
  for (const msg of batchIn) {
    switch (msg.t) {
      case 'emit':
        mq.deliverRemote(msg.packet);
        break;
      case 'ret':
        link.settle(msg.id, msg.value, msg.error);
        break;
      case 'mq-ack':
        link.settle(msg.id, undefined);
        break;
      case 'metrics-req':
        void registry.getMetricsAsJSON().then((metrics) => link.send({ t: 'metrics', id: msg.id, metrics }));
        break;
    }
  }
});

// The primary is our session store and router: without it this worker is useless.
process.on('disconnect', () => process.exit(0));

await broker.listen();
server.listen(port, host, () =>
  link.send({ t: 'listening', brokerId, port: (server.address() as net.AddressInfo).port }),
);

process.on('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
  // Clients that do not go away must not hold the stop up.
  setTimeout(() => process.exit(0), 500).unref();
});
