/**
 * Entry point of the cloud cluster's primary (forked by `startCloudCluster`). It owns the
 * listening socket (node:cluster hands accepted connections round-robin to the workers: one
 * endpoint), the shared session store, the cross-worker router, worker supervision and the
 * metrics endpoint. Configuration arrives as JSON in SQUALL_CLOUD_OPTIONS.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import type net from 'node:net';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { entryPoint } from '../entry.js';
import { IpcLink } from './ipc-link.js';
import { PersistenceHost } from './persistence-host.js';
import type {
  ControllerToPrimary,
  PrimaryOptions,
  PrimaryToController,
  PrimaryToWorker,
  WorkerInfo,
  WorkerToPrimary,
} from './protocol.js';
import { Router } from './router.js';

const opts = JSON.parse(process.env.SQUALL_CLOUD_OPTIONS ?? '{}') as PrimaryOptions;
const toController = (msg: PrimaryToController) => process.send?.(msg);

interface Slot {
  index: number;
  worker: Worker;
  link: IpcLink<PrimaryToWorker>;
  ready: boolean;
  brokerId?: string;
  metricsWaiters: Map<number, (metrics: unknown) => void>;
  startedAtMs: number;
  /** Consecutive deaths within 2 s of start, for the restart back-off. */
  youngDeaths: number;
  /** Draining after SIGTERM: already replaced, exits once its successor listens. */
  retiring: boolean;
  /** The draining worker this one replaces, told when this one listens. */
  predecessor?: Slot;
}

/**
 * node:cluster keys the shared listening handle by (host, port). Workers of a port-0 cluster all
 * listen on 0 and share the one handle the first created; a replacement does the same while any
 * worker lives (same key, same port), and asks for the recorded port only when none does.
 */
let port = opts.port;
function listenPortForNewWorker(): number {
  if (opts.port !== 0) return opts.port;
  const alive = allWorkers().some((s) => !s.worker.isDead());
  return alive || port === 0 ? 0 : port;
}

const store = await PersistenceHost.create();
const router = new Router();
const slots = new Map<number, Slot>(); // by index
/** Replaced but still draining (surge: the successor starts before the old worker stops). */
const retiring = new Set<Slot>();
const allWorkers = () => [...slots.values(), ...retiring];
const byWorkerId = new Map<number, Slot>();
let stopping = false;
let announced = false;

const registry = new Registry();
new Gauge({
  name: 'squall_cloud_offline_queue_messages',
  help: 'Messages queued for persistent sessions and not yet acknowledged (cluster-wide)',
  registers: [registry],
  collect() {
    this.set(store.queued);
  },
});
new Gauge({
  name: 'squall_cloud_workers_ready',
  help: 'Workers accepting connections',
  registers: [registry],
  collect() {
    this.set([...slots.values()].filter((s) => s.ready).length);
  },
});
const restarts = new Counter({
  name: 'squall_cloud_worker_restarts_total',
  help: 'Workers replaced after they died',
  registers: [registry],
});
new Gauge({
  name: 'squall_cloud_routed_total',
  help: 'Publishes forwarded from one worker to another',
  registers: [registry],
  collect() {
    this.set(router.forwarded);
  },
});

const workerEntry = entryPoint(import.meta.url, './worker');
cluster.setupPrimary({
  exec: workerEntry.file,
  execArgv: workerEntry.execArgv,
  serialization: 'advanced',
  silent: false,
});

function workerInfos(): WorkerInfo[] {
  return [...slots.values()]
    .sort((a, b) => a.index - b.index)
    .map((s) => ({ index: s.index, pid: s.worker.process.pid ?? 0, ready: s.ready }));
}

function spawn(index: number): Slot {
  const worker = cluster.fork({
    SQUALL_CLOUD_WORKER_INDEX: String(index),
    SQUALL_CLOUD_PORT: String(listenPortForNewWorker()),
    SQUALL_CLOUD_HOST: opts.host,
    SQUALL_CLOUD_HEARTBEAT_MS: String(opts.heartbeatIntervalMs),
    // node:cluster spreads connections evenly, so each worker enforces its share of the limit.
    ...(opts.tenantLimitPerS && { SQUALL_CLOUD_TENANT_RATE: String(opts.tenantLimitPerS / opts.workers) }),
  });
  const slot: Slot = {
    index,
    worker,
    link: new IpcLink<PrimaryToWorker>(worker),
    ready: false,
    metricsWaiters: new Map(),
    startedAtMs: Date.now(),
    youngDeaths: 0,
    retiring: false,
  };
  slots.set(index, slot);
  byWorkerId.set(worker.id, slot);
  worker.on('message', (batch: WorkerToPrimary[]) => {
    for (const msg of batch) onWorkerMessage(slot, msg);
  });
  worker.on('exit', () => {
    byWorkerId.delete(worker.id);
    router.drop(worker.id);
    for (const resolve of slot.metricsWaiters.values()) resolve(undefined);
    if (slots.get(index) === slot) slots.delete(index);
    retiring.delete(slot);
    if (stopping) return;
    toController({ t: 'workers', workers: workerInfos() });
    if (opts.restartWorkers && !slot.retiring) {
      // A worker that dies young (cannot bind, bad build) must not become a fork bomb.
      const young = Date.now() - slot.startedAtMs < 2000;
      const delayMs = young ? Math.min(5000, 200 * 2 ** slot.youngDeaths) : 0;
      setTimeout(() => {
        if (stopping) return;
        restarts.inc();
        const next = spawn(index);
        next.youngDeaths = young ? slot.youngDeaths + 1 : 0;
        toController({ t: 'workers', workers: workerInfos() });
      }, delayMs);
    }
  });
  return slot;
}

function onWorkerMessage(slot: Slot, msg: WorkerToPrimary): void {
  switch (msg.t) {
    case 'emit':
      for (const workerId of router.targets(slot.worker.id, msg.packet.topic)) {
        byWorkerId.get(workerId)?.link.send({ t: 'emit', packet: msg.packet });
      }
      break;
    case 'call':
      store.call(msg.method, msg.args).then(
        (value) => slot.link.send({ t: 'ret', id: msg.id, value }),
        (err: Error) => slot.link.send({ t: 'ret', id: msg.id, error: err.message }),
      );
      break;
    case 'mq-on':
      router.add(slot.worker.id, msg.topic);
      slot.link.send({ t: 'mq-ack', id: msg.id });
      break;
    case 'mq-off':
      router.remove(slot.worker.id, msg.topic);
      break;
    case 'draining':
      retire(slot);
      break;
    case 'listening':
      if (slot.predecessor && !slot.predecessor.worker.isDead()) {
        slot.predecessor.link.send({ t: 'successor-ready' });
      }
      slot.predecessor = undefined;
      slot.ready = true;
      port = msg.port;
      slot.brokerId = msg.brokerId;
      if (announced) toController({ t: 'workers', workers: workerInfos() });
      else if ([...slots.values()].every((s) => s.ready)) {
        announced = true;
        toController({
          t: 'ready',
          port,
          host: opts.host,
          metricsPort: (metricsServer.address() as net.AddressInfo).port,
          workers: workerInfos(),
        });
      }
      break;
    case 'metrics': {
      const resolve = slot.metricsWaiters.get(msg.id);
      slot.metricsWaiters.delete(msg.id);
      resolve?.(msg.metrics);
      break;
    }
  }
}

/**
 * A worker got SIGTERM (a rolling restart): start its successor now rather than after it exits,
 * and let it stop only once the successor listens. Its clients then reconnect to workers that
 * accept (never to a closed port, which node:cluster closes when its last worker stops
 * listening) and spread over the successor too instead of piling onto the survivors.
 */
function retire(slot: Slot): void {
  if (stopping || !opts.restartWorkers || slot.retiring || slots.get(slot.index) !== slot) {
    slot.link.send({ t: 'successor-ready' });
    return;
  }
  slot.retiring = true;
  slot.ready = false;
  retiring.add(slot);
  slots.delete(slot.index);
  restarts.inc();
  const next = spawn(slot.index);
  next.predecessor = slot;
  toController({ t: 'workers', workers: workerInfos() });
}

let metricsRequestId = 1;
function workerMetrics(slot: Slot): Promise<unknown> {
  const id = metricsRequestId++;
  return new Promise((resolve) => {
    slot.metricsWaiters.set(id, resolve);
    slot.link.send({ t: 'metrics-req', id });
    // A wedged worker must not hang the scrape.
    setTimeout(() => {
      if (slot.metricsWaiters.delete(id)) resolve(undefined);
    }, 2000).unref();
  });
}

/** Prometheus text: summed over workers plus the primary's own, or one worker's (undefined if none). */
async function renderMetrics(worker?: number): Promise<string | undefined> {
  if (worker !== undefined) {
    const slot = slots.get(worker);
    const metrics = slot ? await workerMetrics(slot) : undefined;
    return metrics ? await AggregatorRegistry.aggregate([metrics as never]).metrics() : undefined;
  }
  const all = (await Promise.all(allWorkers().map(workerMetrics))).filter(Boolean);
  return `${await AggregatorRegistry.aggregate(all as never[]).metrics()}\n${await registry.metrics()}`;
}

/** GET /metrics: aggregated; /metrics/worker/<i>: one worker. */
const metricsServer = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const one = /^\/metrics\/worker\/(\d+)$/.exec(url);
  if (!one && url !== '/metrics')
    return void res.writeHead(404).end('try /metrics or /metrics/worker/<index>\n');
  renderMetrics(one ? Number(one[1]) : undefined).then(
    (body) =>
      body === undefined
        ? res.writeHead(404).end('no such worker\n')
        : res.writeHead(200, { 'content-type': registry.contentType }).end(body),
    (err: Error) => res.writeHead(500).end(`${err.message}\n`),
  );
});
await new Promise<void>((resolve) => metricsServer.listen(opts.metricsPort, opts.metricsHost, resolve));

async function stop(): Promise<void> {
  stopping = true;
  metricsServer.close();
  const exits = allWorkers().map(
    (s) =>
      new Promise<void>((resolve) =>
        s.worker.isDead() ? resolve() : s.worker.once('exit', () => resolve()),
      ),
  );
  for (const s of allWorkers()) s.worker.process.kill('SIGTERM');
  // A worker already draining waits for a successor that will not come now.
  for (const s of retiring) s.link.send({ t: 'successor-ready' });
  const timer = setTimeout(() => {
    for (const s of allWorkers()) s.worker.process.kill('SIGKILL');
  }, 2000);
  await Promise.all(exits);
  clearTimeout(timer);
}

process.on('message', (msg: ControllerToPrimary) => {
  switch (msg.t) {
    case 'kill-worker': {
      const slot = slots.get(msg.index);
      if (!slot) {
        toController({ t: 'reply', id: msg.id, error: `no worker ${msg.index}` });
        return;
      }
      const pid = slot.worker.process.pid;
      slot.worker.process.kill(msg.signal);
      toController({ t: 'reply', id: msg.id, value: pid });
      return;
    }
    case 'metrics':
      renderMetrics(msg.worker).then(
        (value) =>
          toController(
            value === undefined
              ? { t: 'reply', id: msg.id, error: `no worker ${msg.worker}` }
              : { t: 'reply', id: msg.id, value },
          ),
        (err: Error) => toController({ t: 'reply', id: msg.id, error: err.message }),
      );
      return;
    case 'stop':
      void stop().then(() => {
        toController({ t: 'reply', id: msg.id });
        process.disconnect?.();
        process.exit(0);
      });
      return;
  }
});

// The controller is gone (crashed or killed): take the workers down with us.
process.on('disconnect', () => {
  if (!stopping) void stop().then(() => process.exit(0));
});
process.on('SIGTERM', () => void stop().then(() => process.exit(0)));

for (let i = 0; i < opts.workers; i++) spawn(i);
