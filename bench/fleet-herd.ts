/**
 * Reconnect herd: N devices (100k by default, sharded over child processes) connected to a
 * broker that suddenly drops them all; every device reconnects per its strategy. Compares
 * `immediate` (everyone at once, like a naive client) with `full-jitter` (AWS Architecture
 * Blog). Telemetry flows (QoS 0, 64 B, every 10 s per device, spread) for one interval before
 * the drop. Per second: connects, failed attempts, connected. Per 100 ms bucket (the engines'
 * event buckets, merged over shards): connect attempts and CONNACKs; from them, per strategy,
 * time to 99% and 99.9% of the dropped devices reconnected, the peak attempts and CONNACKs in
 * 100 ms and in any 1 s window, and reconnect time (disconnect → CONNACK) p50/p99.
 *
 * Reconnects are not held by the initial ramp's in-flight cap (2,000 here): each device
 * reconnects on its strategy's schedule, bounded only by the engine's hard limit
 * (`maxInflightReconnects`, 15,000 per shard). (When reconnects still went through the ramp's
 * cap, it held both strategies to the same 16,000 attempts/s at 100k.)
 *
 *   FLEET_BENCH_BROKER=mqtt://host:1883 npm run bench:fleet-herd      → bench/results/fleet-herd-100k.json
 *     100k devices against a broker that holds them (one mosquitto cannot here: the hard
 *     open-files limit is 20,000 per process); that broker is not restarted — the herd is made
 *     by cutting every connection from the fleet side.
 *   FLEET_BENCH_DEVICES=15000 npm run bench:fleet-herd
 *     below 19k: against a local mosquitto that is SIGKILLed and restarted.
 *   FLEET_BENCH_STRATEGIES=immediate,full-jitter  FLEET_BENCH_BASE_MS=1000  FLEET_BENCH_CAP_MS=30000
 *   FLEET_BENCH_RESULT=<name>   strategies compared, their backoff base and cap, the results file
 *     (the stored 100k comparison: base 10000, cap 60000, result fleet-herd-100k-base10s, against
 *     `squall testbed up --workers 8`).
 *
 * Heavy: 100k connections and shard processes. Not for a shared 2-core machine during the day.
 */
import { percentileMs } from '../engine/core/metrics.js';
import { parseBrokerUrl } from '../engine/spec/broker-url.js';
import type { ReconnectStrategyName } from '../engine/spec/fleet-parts.js';
import { nowMs } from '../simulator/clock.js';
import { EVENT_BUCKET_MS } from '../simulator/event-buckets.js';
import { createFleet } from '../simulator/fleet.js';
import { type BenchMosquitto, machine, startBenchMosquitto, writeResult } from './fleet-bench-support.js';

const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 100_000);
const RECOVER_TIMEOUT_S = Number(process.env.FLEET_BENCH_RECOVER_TIMEOUT_S ?? 180);
const STRATEGIES = (process.env.FLEET_BENCH_STRATEGIES ?? 'immediate,full-jitter').split(
  ',',
) as ReconnectStrategyName[];
const TELEMETRY_INTERVAL_MS = 10_000;
// The AWS CRT's default base (1 s); a jitter window is only as wide as its base on the first
// attempt, so at 100k a 1 s base still lands the whole fleet in one second.
const BASE_MS = Number(process.env.FLEET_BENCH_BASE_MS ?? 1000);
const CAP_MS = Number(process.env.FLEET_BENCH_CAP_MS ?? 30_000);
const RESULT_NAME =
  process.env.FLEET_BENCH_RESULT ?? (DEVICES === 100_000 ? 'fleet-herd-100k' : `fleet-herd-${DEVICES}`);
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

function meanAttemptsAfter(series: Second[], fromS: number): number | null {
  const after = series.filter((x) => x.s >= fromS);
  return after.length ? Math.round(after.reduce((a, x) => a + x.attempts, 0) / after.length) : null;
}

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
      reconnect: { strategy, baseMs: BASE_MS, capMs: CAP_MS },
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
  const dropMs = nowMs();
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
  // Shards report their event buckets once a second: let the last ones arrive.
  await sleep(1500);
  const fine = herdPeaks(fleet.eventSeries(), dropMs, before.connected);
  const run = fleet.runTotals();
  const h = run.histograms.reconnect_time;
  // Why attempts failed (refused, timeout, closed, local errors such as port exhaustion): a
  // herd that never recovers must say what kept it down.
  const failureCauses = fleet
    .snapshot()
    .failures.slice(0, 5)
    .map((f) => ({ cause: f.cause, detail: f.detail, count: f.count }));
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
    ...fine,
    /** From the 1 s metric series, aligned to the drop (what earlier runs reported). */
    peakConnectsPerAlignedS: Math.max(...series.map((x) => x.connects)),
    peakAttemptsPerAlignedS: Math.max(...series.map((x) => x.attempts)),
    failedAttempts: series.reduce((a, x) => a + x.failed, 0),
    /** Mean connect attempts/s from 2 s after the drop showed: the storm a strategy sustains. */
    meanAttemptsPerSAfterFirstWave: meanAttemptsAfter(series, (dropSeenS ?? 0) + 2),
    failureCauses,
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

/**
 * From 100 ms buckets after the drop: when 99% / 99.9% of the `dropped` devices had a CONNACK
 * again (ms after the drop, at bucket resolution), and the peaks per bucket and per any 10
 * consecutive buckets (a sliding 1 s window).
 */
function herdPeaks(
  buckets: Array<{ atMs: number; attempts: number; connacks: number }>,
  dropMs: number,
  dropped: number,
) {
  const bucketMs = EVENT_BUCKET_MS;
  const after = buckets.filter((b) => b.atMs + bucketMs > dropMs);
  let reconnected = 0;
  let to99: number | null = null;
  let to999: number | null = null;
  for (const b of after) {
    reconnected += b.connacks;
    const endMs = Math.round(b.atMs + bucketMs - dropMs);
    if (to99 === null && reconnected >= Math.ceil(dropped * 0.99)) to99 = endMs;
    if (to999 === null && reconnected >= Math.ceil(dropped * 0.999)) to999 = endMs;
  }
  // Dense per-bucket arrays from the drop's bucket on (empty buckets count as 0).
  const first = Math.floor(dropMs / bucketMs);
  const last = after.length > 0 ? Math.floor(after[after.length - 1]!.atMs / bucketMs) : first;
  const attempts = new Float64Array(last - first + 1);
  const connacks = new Float64Array(last - first + 1);
  for (const b of after) {
    const i = Math.floor(b.atMs / bucketMs) - first;
    attempts[i] = b.attempts;
    connacks[i] = b.connacks;
  }
  const windowMax = (xs: Float64Array, width: number) => {
    let sum = 0;
    let max = 0;
    for (let i = 0; i < xs.length; i++) {
      sum += xs[i]! - (i >= width ? xs[i - width]! : 0);
      if (sum > max) max = sum;
    }
    return max;
  };
  return {
    bucketMs,
    timeTo99Ms: to99,
    timeTo999Ms: to999,
    reconnectedAfterDrop: reconnected,
    peakAttemptsPer100ms: windowMax(attempts, 1),
    peakConnacksPer100ms: windowMax(connacks, 1),
    /** Max over sliding 1 s windows (10 buckets). */
    peakAttemptsPerS: windowMax(attempts, 10),
    peakConnacksPerS: windowMax(connacks, 10),
    /** Attempts and CONNACKs per 100 ms from the drop on, for a plot. */
    buckets100ms: { attempts: [...attempts], connacks: [...connacks] },
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
      `99% in ${r.timeTo99Ms} ms, 99.9% in ${r.timeTo999Ms} ms, all in ${r.timeToRecoverS ?? `>${RECOVER_TIMEOUT_S}`} s; ` +
      `peak attempts ${r.peakAttemptsPer100ms}/100ms, ${r.peakAttemptsPerS}/s; peak CONNACKs ${r.peakConnacksPer100ms}/100ms, ${r.peakConnacksPerS}/s; ` +
      `${r.failedAttempts} failed attempts (${r.meanAttemptsPerSAfterFirstWave}/s after the first wave), reconnect p50 ${r.reconnectTimeMs?.p50} ms p99 ${r.reconnectTimeMs?.p99} ms`,
  );
  for (const f of r.failureCauses) console.log(`  ${f.count} × ${f.cause}: ${f.detail}`);
}
console.log(
  `→ ${writeResult(RESULT_NAME, { bench: 'fleet-herd', date: new Date().toISOString(), machine: machine(), broker: external ?? 'mosquitto (restarted with SIGKILL)', reconnect: { baseMs: BASE_MS, capMs: CAP_MS }, results })}`,
);
process.exit(0);
