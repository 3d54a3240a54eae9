/**
 * The embedded cloud cluster under a fleet: N connections (100k by default) from the simulator's
 * sharded fleet, telemetry QoS 1 flowing to a sink; connect rate, memory per connection (RSS of
 * the primary and workers), then one worker killed with SIGKILL: its clients reconnect, and the
 * bench checks that only they noticed (fleet disconnects == that worker's connections).
 *
 *   TESTBED_BENCH_CONNECTIONS=10000 npx tsx bench/testbed-100k.ts   (smoke, light)
 *   npx tsx bench/testbed-100k.ts                                    → bench/results/testbed-100k.json
 *
 * Heavy at full scale: not for a shared 2-core machine while others work.
 */
import { readFileSync } from 'node:fs';
import { parseBrokerUrl } from '../simulator/engine-config.js';
import { createFleet } from '../simulator/fleet.js';
import { startCloudCluster } from '../testbed/cloud/cluster.js';
import { machine, writeResult } from './fleet-bench-support.js';

const CONNECTIONS = Number(process.env.TESTBED_BENCH_CONNECTIONS ?? 100_000);
// 20,000 open files per process here: keep each worker well under it.
const WORKERS = Number(process.env.TESTBED_BENCH_WORKERS ?? Math.max(2, Math.ceil(CONNECTIONS / 15_000)));
const TELEMETRY_INTERVAL_MS = Number(process.env.TESTBED_BENCH_INTERVAL_MS ?? 10_000);
const STEADY_S = Number(process.env.TESTBED_BENCH_STEADY_S ?? 20);
const CONNECT_RATE_PER_S = Number(process.env.TESTBED_BENCH_CONNECT_RATE ?? 5000);
const RESULT_NAME =
  process.env.TESTBED_BENCH_RESULT ?? (CONNECTIONS >= 100_000 ? 'testbed-100k' : 'testbed-100k-smoke');

const rssBytes = (pid: number | undefined): number => {
  if (!pid) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

const cluster = await startCloudCluster({ workers: WORKERS, startTimeoutMs: 60_000 });
const clusterRss = () =>
  rssBytes(cluster.primaryPid()) + cluster.workerPids().reduce((a, p) => a + rssBytes(p), 0);
await sleep(1000);
const idleRss = clusterRss();

// 100k connections to one port exhaust one source address's ephemeral ports, and a few
// addresses make bind()'s port search slow (bench/fleet-herd.ts): spread over 32.
const SOURCES = Array.from({ length: 32 }, (_, i) => `127.0.0.${2 + i}`);
const fleet = createFleet({
  engine: {
    broker: parseBrokerUrl(cluster.url),
    localAddresses: SOURCES,
    connectRatePerS: CONNECT_RATE_PER_S,
    maxInflightConnects: 2000,
    connectTimeoutMs: 15_000,
    reconnect: { strategy: 'full-jitter', baseMs: 500, capMs: 5000 },
    groups: [
      {
        count: CONNECTIONS,
        keepaliveS: 300,
        clientId: 'tb-{index}',
        telemetry: { intervalMs: TELEMETRY_INTERVAL_MS, qos: 1, payloadBytes: 64, topic: 't/{index}' },
      },
    ],
  },
  sink: { topic: 't/#', connections: 1, qos: 1, graceMs: 5000, protocolVersion: 4 },
  shards: 'auto',
});
const t0 = Date.now();
await fleet.start();
await fleet.waitConnected(1, 600_000);
const connectS = (Date.now() - t0) / 1000;
console.log(`${CONNECTIONS} connected to ${WORKERS} workers in ${connectS.toFixed(1)} s`);

await sleep(STEADY_S * 1000);
const loadedRss = clusterRss();
const before = fleet.snapshot();
const perWorker = await Promise.all(
  Array.from({ length: WORKERS }, async (_, i) =>
    metric(await cluster.metrics(i), 'squall_cloud_connections'),
  ),
);
const aggregated = await cluster.metrics();
console.log(`connections per worker: ${perWorker.join(' ')}; RSS ${(loadedRss / 2 ** 20).toFixed(0)} MiB`);

// One worker dies; only its clients should notice.
const killedIndex = 0;
const killedConnections = perWorker[killedIndex]!;
const disconnectsBefore = before.totals.disconnects ?? 0;
const tKill = Date.now();
const { killedPid, replacementPid } = await cluster.killWorker(killedIndex);
let recoveredS: number | null = null;
for (let i = 0; i < 1200; i++) {
  await sleep(100);
  if (fleet.snapshot().connected >= CONNECTIONS) {
    recoveredS = (Date.now() - tKill) / 1000;
    break;
  }
}
await sleep(5000);
const after = fleet.snapshot();
const disconnects = (after.totals.disconnects ?? 0) - disconnectsBefore;
console.log(
  `killed worker ${killedIndex} (${killedConnections} clients): ${disconnects} disconnects, recovered in ${recoveredS} s`,
);

await fleet.stop();
const final = fleet.snapshot();
await cluster.stop();

const result = {
  bench: 'testbed-100k',
  date: new Date().toISOString(),
  machine: machine(),
  config: {
    connections: CONNECTIONS,
    workers: WORKERS,
    telemetryIntervalMs: TELEMETRY_INTERVAL_MS,
    qos: 1,
    payloadBytes: 64,
    connectRatePerS: CONNECT_RATE_PER_S,
    steadyS: STEADY_S,
    fleetShards: fleet.shardCount,
  },
  connect: { seconds: connectS, ratePerS: Math.round(CONNECTIONS / connectS) },
  memory: {
    clusterRssIdleMiB: +(idleRss / 2 ** 20).toFixed(1),
    clusterRssLoadedMiB: +(loadedRss / 2 ** 20).toFixed(1),
    rssPerConnectionKiB: +((loadedRss - idleRss) / CONNECTIONS / 1024).toFixed(2),
    heapUsedMiB: +(metric(aggregated, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(1),
  },
  connectionsPerWorker: perWorker,
  workerKill: {
    worker: killedIndex,
    killedPid,
    replacementPid,
    clientsOnKilledWorker: killedConnections,
    fleetDisconnects: disconnects,
    othersNoticed: disconnects > killedConnections,
    timeToAllReconnectedS: recoveredS,
  },
  telemetry: { devices: final.totals, sink: final.sink ? { ...final.sink, byTenant: undefined } : null },
};
console.log(`→ ${writeResult(RESULT_NAME, result)}`);
process.exit(0);
