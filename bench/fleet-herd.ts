/**
 * Reconnect herd: N devices (100k by default, sharded over child processes) connected to a
 * broker that suddenly drops them all; every device reconnects per its strategy. Compares
 * `immediate` (everyone at once, like a naive client) with `full-jitter` (AWS Architecture
 * Blog). Per second: connects, failed attempts, connected; then time to recover all devices,
 * peak connect attempts/s, and reconnect time (disconnect → CONNACK) percentiles.
 *
 *   FLEET_BENCH_BROKER=mqtt://host:1883 npm run bench:fleet-herd      → bench/results/fleet-herd.json
 *     100k devices against a broker that holds them (one mosquitto cannot here: the hard
 *     open-files limit is 20,000 per process); that broker is not restarted — the herd is made
 *     by cutting every connection from the fleet side.
 *   FLEET_BENCH_DEVICES=15000 npm run bench:fleet-herd
 *     below 19k: against a local mosquitto that is SIGKILLed and restarted.
 *
 * Heavy: 100k connections and shard processes. Not for a shared 2-core machine during the day.
 */
import { percentileMs } from '../engine/slo/metrics.js';
import { parseBrokerUrl } from '../simulator/engine-config.js';
import { createFleet } from '../simulator/fleet.js';
import type { ReconnectStrategyName } from '../simulator/reconnect.js';
import { type BenchMosquitto, machine, startBenchMosquitto, writeResult } from './fleet-bench-support.js';

const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 100_000);
const RECOVER_TIMEOUT_S = Number(process.env.FLEET_BENCH_RECOVER_TIMEOUT_S ?? 180);
const STRATEGIES: ReconnectStrategyName[] = ['immediate', 'full-jitter'];

interface Second {
  s: number;
  connected: number;
  connects: number;
  attempts: number;
  failed: number;
}

async function herd(strategy: ReconnectStrategyName, url: string, broker?: BenchMosquitto) {
  const fleet = createFleet({
    engine: {
      broker: parseBrokerUrl(url),
      connectRatePerS: 10_000,
      maxInflightConnects: 2000,
      connectTimeoutMs: 10_000,
      reconnect: { strategy, baseMs: 1000, capMs: 30_000 },
      groups: [{ count: DEVICES, keepaliveS: 300, clientId: `herd-${strategy}-{index}` }],
    },
    sink: false,
    shards: 'auto',
  });
  await fleet.start();
  await fleet.waitConnected(1, 600_000);
  fleet.collect();
  const t0 = Date.now();
  if (broker) await broker.restart();
  else fleet.dropConnections();
  const series: Second[] = [];
  let recoveredS: number | undefined;
  for (let s = 1; s <= RECOVER_TIMEOUT_S; s++) {
    await new Promise((r) => setTimeout(r, t0 + s * 1000 - Date.now()));
    const c = fleet.collect().counters ?? {};
    const connected = fleet.snapshot().connected;
    series.push({
      s,
      connected,
      connects: c.connect_ok ?? 0,
      attempts: c.connect_attempts ?? 0,
      failed: c.connect_failed ?? 0,
    });
    if (connected >= DEVICES) {
      recoveredS = s;
      break;
    }
  }
  const run = fleet.runTotals();
  const h = run.histograms.reconnect_time;
  await fleet.stop();
  return {
    strategy,
    devices: DEVICES,
    shards: fleet.shardCount,
    timeToRecoverS: recoveredS ?? null,
    peakAttemptsPerS: Math.max(...series.map((x) => x.attempts)),
    failedAttempts: series.reduce((a, x) => a + x.failed, 0),
    reconnectTimeMs: h
      ? {
          p50: percentileMs(h, 50),
          p90: percentileMs(h, 90),
          p99: percentileMs(h, 99),
          max: h.maxValue / 1000,
          count: h.totalCount,
        }
      : null,
    series,
  };
}

const external = process.env.FLEET_BENCH_BROKER;
if (!external && DEVICES > 19_000) {
  console.error(
    `mosquitto is one process and a process here may hold at most ~20,000 sockets (hard open-files limit):\n` +
      `set FLEET_BENCH_BROKER to a broker that takes ${DEVICES} connections (e.g. the testbed's cloud broker),\n` +
      'or FLEET_BENCH_DEVICES below 19000.',
  );
  process.exit(2);
}
const results = [];
for (const strategy of STRATEGIES) {
  const broker = external ? undefined : await startBenchMosquitto(DEVICES + 10_000);
  const url = external ?? `mqtt://127.0.0.1:${broker!.port}`;
  const r = await herd(strategy, url, broker);
  await broker?.close();
  results.push(r);
  console.log(
    `${strategy.padEnd(12)} ${DEVICES} devices, ${r.shards} shards: recovered in ${r.timeToRecoverS ?? `>${RECOVER_TIMEOUT_S}`} s, ` +
      `peak ${r.peakAttemptsPerS} attempts/s, ${r.failedAttempts} failed attempts, reconnect p99 ${r.reconnectTimeMs?.p99} ms`,
  );
}
console.log(
  `→ ${writeResult(DEVICES === 100_000 ? 'fleet-herd' : `fleet-herd-${DEVICES}`, { bench: 'fleet-herd', date: new Date().toISOString(), machine: machine(), broker: external ?? 'mosquitto (restarted with SIGKILL)', results })}`,
);
process.exit(0);
