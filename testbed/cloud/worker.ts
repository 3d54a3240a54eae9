/**
 * Entry point of one cloud worker (a node:cluster worker): an aedes broker whose emitter and
 * persistence live in the primary, listening on the cluster's shared port. Started only by
 * primary.ts; configuration arrives in the environment.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ackAfterHandoff } from './ack-after-handoff.js';
import { ClusterEmitter, WORKER_MQ_CONCURRENCY } from './cluster-emitter.js';
import { IpcLink } from './ipc-link.js';
import type { PrimaryToWorker, WorkerToPrimary } from './protocol.js';
import { RemotePersistence } from './remote-persistence.js';
import { createTenantBulkhead } from './tenant-bulkhead.js';

const index = Number(process.env.SQUALL_CLOUD_WORKER_INDEX);
const port = Number(process.env.SQUALL_CLOUD_PORT);
const host = process.env.SQUALL_CLOUD_HOST ?? '127.0.0.1';
const heartbeatIntervalMs = Number(process.env.SQUALL_CLOUD_HEARTBEAT_MS ?? 5000);
const batch = process.env.SQUALL_CLOUD_IPC_BATCH !== '0';

const link = new IpcLink<WorkerToPrimary>(process, batch);
const mq = new ClusterEmitter(link, WORKER_MQ_CONCURRENCY);
type AcceptStamped = net.Socket & { acceptedAtMs?: number };
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

// This worker's share of the per-tenant publish rate (tenant-bulkhead.ts); unset: unlimited.
const tenantRatePerS = Number(process.env.SQUALL_CLOUD_TENANT_RATE ?? 0);
const bulkhead = tenantRatePerS > 0 ? createTenantBulkhead({ ratePerS: tenantRatePerS }) : undefined;

const broker = new Aedes({
  id: brokerId,
  mq: emitter,
  persistence,
  ...(bulkhead && {
    authorizePublish: (_client, packet, callback) => {
      const waitMs = bulkhead.reserve(packet.topic);
      if (waitMs > 0) setTimeout(callback, waitMs, null);
      else callback(null);
    },
  }),
  heartbeatInterval: heartbeatIntervalMs,
  authorizeForward: (_client, packet) => {
    messagesOut.inc();
    return packet;
  },
});
const handoff = ackAfterHandoff(broker);
const disconnects = new Counter({
  name: 'squall_cloud_disconnects_total',
  help: 'Client connections that ended on this worker (any cause)',
  registers: [registry],
});
broker.on('clientDisconnect', (client) => {
  disconnects.inc();
  mq.forget(client.id);
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
const server = net.createServer((socket) => {
  // When this connection arrived: orders cross-worker takeovers (cluster-emitter.ts).
  (socket as AcceptStamped).acceptedAtMs = Date.now();
  broker.handle(socket);
});
mq.connectedAt = (clientId) =>
  (broker as unknown as { clients: Record<string, { conn?: AcceptStamped }> }).clients[clientId]?.conn
    ?.acceptedAtMs;
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
      case 'successor-ready':
        successorReady();
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
// The primary accepts for every worker on one socket (node:cluster passes the backlog on):
// Node's default of 511 overflows in a reconnect herd of thousands, and each dropped SYN costs
// a client a 1 s retransmit. The kernel caps it at net.core.somaxconn.
server.listen({ port, host, backlog: 4096 }, () =>
  link.send({ t: 'listening', brokerId, port: (server.address() as net.AddressInfo).port }),
);

/**
 * SIGTERM is a rolling restart's stop: drain. First the primary starts this worker's successor
 * and we keep serving until it listens (bounded), so our clients have somewhere to go. Then no
 * new connections (node:cluster hands them to the others), no more packets read, the publishes
 * already read finish their hand-off and get their PUBACK, the clients go, and every IPC
 * message (acks, session updates) reaches the primary before exit. What a subscriber here had
 * in flight stays in its session queue in the primary and is resent wherever it reconnects.
 */
const SUCCESSOR_WAIT_MS = 8000;
let successorReady: () => void = () => {};
let draining = false;
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  // A wedged client or primary must not hold the stop up.
  setTimeout(() => process.exit(0), SUCCESSOR_WAIT_MS + 3000).unref();
  await new Promise<void>((resolve) => {
    successorReady = resolve;
    link.send({ t: 'draining' });
    setTimeout(resolve, SUCCESSOR_WAIT_MS).unref();
  });
  server.close();
  const clients = (broker as unknown as { clients: Record<string, { pause(): void }> }).clients;
  for (const client of Object.values(clients)) client.pause();
  await Promise.race([handoff.idle(), new Promise((r) => setTimeout(r, 1500))]);
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await link.flushed();
  process.exit(0);
}
process.on('SIGTERM', () => void drain());
