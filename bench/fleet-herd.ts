/**
 * Reconnect herd: N devices (100k by default, sharded over child processes) connected to a
 * broker that suddenly drops them all; every device reconnects per its strategy. Compares
 * `immediate` (everyone at once, like a naive client) with `full-jitter` (AWS Architecture
 * Blog). Telemetry flows (QoS 0, 64 B, every 10 s per device, spread) for one interval before
 * the drop. Per second: connects, failed attempts, connected; then time to 99%, 99.9% and all
 * devices reconnected, peak connects/s and connect attempts/s, and reconnect time
 * (disconnect → CONNACK) percentiles.
 *
 *   FLEET_BENCH_BROKER=mqtt://host:1883 npm run bench:fleet-herd      → bench/results/fleet-herd-100k.json
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
const TELEMETRY_INTERVAL_MS = 10_000;
// On loopback, spread over source addresses 127.0.0.2–33, 8 shards of 4 (≤ 3.2k devices per
// address at 100k). bind() to an address with port 0 searches half the ephemeral range first
// (14k ports here), and a drop leaves every dropped socket in TIME_WAIT for 60 s: an address
// must hold its devices twice. With 8 addresses (12.5k each) that half filled and every bind
// scanned it (shards at 57 s system vs 4 s user CPU, in inet_csk_get_port); with 16 (6.25k)
// reconnects stalled until the drop's TIME_WAITs expired (~60 s), whatever the strategy.
const SOURCES = Array.from({ length: 32 }, (_, i) => `127.0.0.${2 + i}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** First second at which `connected` reached `ratio` of the devices (once the drop showed). */
const timeTo = (series: Second[], ratio: number, fromS: number) =>
  series.find((x) => x.s >= fromS && x.connected >= Math.ceil(DEVICES * ratio))?.s ?? null;

interface Second {
  s: number;
  connected: number;
  connects: number;
  attempts: number;
  failed: number;
}

async function herd(strategy: ReconnectStrategyName, url: string, broker?: BenchMosquitto) {
  const broker0 = parseBrokerUrl(url);
  const loopback = broker0.host.startsWith('127.');
  const fleet = createFleet({
    engine: {
      broker: broker0,
      ...(loopback && { localAddresses: SOURCES }),
      connectRatePerS: 10_000,
      maxInflightConnects: 2000,
      connectTimeoutMs: 10_000,
      reconnect: { strategy, baseMs: 1000, capMs: 30_000 },
      groups: [
        {
          count: DEVICES,
          keepaliveS: 300,
          clientId: `herd-${strategy}-{index}`,
          telemetry: { intervalMs: TELEMETRY_INTERVAL_MS, qos: 0, payloadBytes: 64, topic: 't/{index}' },
        },
      ],
    },
    sink: false,
    shards: loopback && DEVICES > 15_000 ? Math.max(8, Math.ceil(DEVICES / 12_500)) : 'auto',
  });
  await fleet.start();
  await fleet.waitConnected(1, 600_000);
  // Telemetry flowing: one full interval, so every device has published before the drop.
  fleet.collect();
  await sleep(TELEMETRY_INTERVAL_MS);
  const steady = fleet.collect().counters ?? {};
  const telemetryBeforeDrop = {
    publishedPerS: Math.round((steady.published ?? 0) / (TELEMETRY_INTERVAL_MS / 1000)),
    disconnects: steady.disconnects ?? 0,
  };
  const before = fleet.snapshot();
  const disconnects0 = before.totals.disconnects ?? 0;
  const t0 = Date.now();
  if (broker) await broker.restart();
  else fleet.dropConnections();
  const series: Second[] = [];
  let recoveredS: number | undefined;
  // Shards report once a second: until their reports show the drop, their `connected` is from
  // before it (a sharded run would read "recovered" at once). Every device connected in
  // `before` disconnects after it (by the drop, or earlier by the broker), so the drop has
  // shown everywhere once the disconnects since `before` reach its connected count.
  let dropSeenS: number | undefined;
  for (let s = 1; s <= RECOVER_TIMEOUT_S; s++) {
    await new Promise((r) => setTimeout(r, t0 + s * 1000 - Date.now()));
    const c = fleet.collect().counters ?? {};
    const snap = fleet.snapshot();
    const connected = snap.connected;
    if (dropSeenS === undefined && (snap.totals.disconnects ?? 0) - disconnects0 >= before.connected)
      dropSeenS = s;
    series.push({
      s,
      connected,
      connects: c.connect_ok ?? 0,
      attempts: c.connect_attempts ?? 0,
      failed: c.connect_failed ?? 0,
    });
    if (dropSeenS !== undefined && connected >= DEVICES) {
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
    telemetryBeforeDrop,
    dropSeenS: dropSeenS ?? null,
    timeTo99S: dropSeenS === undefined ? null : timeTo(series, 0.99, dropSeenS),
    timeTo999S: dropSeenS === undefined ? null : timeTo(series, 0.999, dropSeenS),
    timeToRecoverS: recoveredS ?? null,
    peakConnectsPerS: Math.max(...series.map((x) => x.connects)),
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
  // The previous run's drop and stop left its ports in TIME_WAIT (60 s): let them expire.
  if (results.length > 0 && external && DEVICES > 15_000) await sleep(65_000);
  const broker = external ? undefined : await startBenchMosquitto(DEVICES + 10_000);
  const url = external ?? `mqtt://127.0.0.1:${broker!.port}`;
  const r = await herd(strategy, url, broker);
  await broker?.close();
  results.push(r);
  console.log(
    `${strategy.padEnd(12)} ${DEVICES} devices, ${r.shards} shards, ${r.telemetryBeforeDrop.publishedPerS} publishes/s before the drop: ` +
      `99% in ${r.timeTo99S} s, 99.9% in ${r.timeTo999S} s, all in ${r.timeToRecoverS ?? `>${RECOVER_TIMEOUT_S}`} s, ` +
      `peak ${r.peakConnectsPerS} connects/s, ${r.peakAttemptsPerS} attempts/s, ${r.failedAttempts} failed attempts, reconnect p50 ${r.reconnectTimeMs?.p50} ms p99 ${r.reconnectTimeMs?.p99} ms`,
  );
}
console.log(
  `→ ${writeResult(DEVICES === 100_000 ? 'fleet-herd-100k' : `fleet-herd-${DEVICES}`, { bench: 'fleet-herd', date: new Date().toISOString(), machine: machine(), broker: external ?? 'mosquitto (restarted with SIGKILL)', results })}`,
);
process.exit(0);
