/**
 * `createFleet(config)`: devices (in this process, or sharded over child processes each below
 * the open-files limit and on its own loopback source address) plus a sink, exposed as the
 * `fleet` MetricsSource the runner reads once a slice. Pure of argv and process
 * globals: the CLI and the runner bind it.
 *
 * Message counts are dated by send time (docs/measurement.md): devices count the telemetry
 * slots they use, the sink counts what arrives, both by the bucket of the send time, and the
 * delivery ledger (delivery-ledger.ts) settles each bucket once the sink's grace allows. A
 * fleet that is one slice of a fleet split across agents (`role: 'part'`) hands its raw tallies
 * up instead (`drainTallies`), and the ledger runs where the slices meet (fleet-split.ts).
 *
 * A shard that dies unasked is reported through `onShardCrash`, counted in `shard_crashes`,
 * and its devices leave the `connected` gauge; the run goes on with the others. The telemetry
 * its devices would have sent from their last report on (shard-loss.ts) is expected, so the
 * ledger counts it lost, and `shard_unsent` counts it.
 */
import type { ChildProcess } from 'node:child_process';
import type { MetricsSource, SourceReading } from '../engine/core/metrics.js';
import { nowMs } from './clock.js';
import { arrivalTally, DeliveryLedger, sentTally } from './delivery-ledger.js';
import { DeviceEngine, type EngineSnapshot } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { EventSeries } from './event-buckets.js';
import type { FleetConfig } from './fleet-config.js';
import { startFleetSink } from './fleet-sink.js';
import { type FleetSnapshot, fleetSnapshot, type ShardCrash } from './fleet-snapshot.js';
import type { RawTallies } from './raw-tallies.js';
import { emptyReading, type FullReading, fromWire, mergeInto, withoutMessageCounters } from './readings.js';
import { projectCrashedSlots } from './shard-loss.js';
import {
  planShards,
  type ShardSlice,
  shardCountFor,
  shardEngineInput,
  withShardBroker,
} from './shard-plan.js';
import { spawnShardProcess, stopShardProcess } from './shard-process.js';
import type { ShardMessage } from './shard-protocol.js';
import type { Sink } from './sink.js';
import { createTenantMap } from './tenants.js';
import { sinkReach } from './topic-match.js';

export interface FleetOptions {
  onShardCrash?: (crash: ShardCrash) => void;
  /**
   * `whole` (default): this fleet's devices are all the sink hears from, and `collect` hands
   * out settled message counts. `part`: one slice of a fleet split across agents.
   */
  role?: 'whole' | 'part';
}

export interface Fleet extends MetricsSource {
  readonly name: 'fleet';
  readonly deviceCount: number;
  readonly shardCount: number;
  /** Starts the sink (and waits for its SUBACK), then the devices. */
  start(): Promise<void>;
  /** Resolves when `ratio` of the devices are connected. */
  waitConnected(ratio?: number, timeoutMs?: number): Promise<void>;
  collect(): SourceReading;
  /** Resolves once message counts dated before `untilMs` are settled (at most the sink's grace + 2 s). */
  settle(untilMs: number): Promise<void>;
  /** A part's raw tallies since the last call. */
  drainTallies(): RawTallies;
  snapshot(): FleetSnapshot;
  /** Everything since start, histograms included (for a summary table). */
  runTotals(): FullReading;
  /** Cuts every device connection (a herd: they reconnect per strategy). */
  dropConnections(): void;
  /** Connect attempts and CONNACKs per 100 ms bucket since start, over all shards (shards report once a second). */
  eventSeries(): ReturnType<EventSeries['series']>;
  /** Process ids of the shard processes (empty when the devices run in this process). */
  shardPids(): number[];
  /** Stops devices, lets in-flight messages land, settles the accounting; `snapshot()` then has the final numbers. */
  stop(): Promise<void>;
}

interface Shard extends ShardSlice {
  child?: ChildProcess;
  local?: DeviceEngine;
  snapshot?: EngineSnapshot;
  /** The shard engine's epoch (its clock): telemetry slots are laid out from it. */
  epochMs?: number;
  startedMs?: number;
  /** Its sends before this (controller clock) have been counted. */
  sentThroughMs?: number;
  stopping: boolean;
  crashed?: ShardCrash;
  /** When it died (this process's clock). */
  crashedAtMs?: number;
  /** Telemetry slots its devices never used because it died (projected). */
  unsent: number;
}

/** Longest a settle waits beyond the sink's grace: shards report once a second. */
const SETTLE_MARGIN_MS = 2000;

export function createFleet(fleetConfig: FleetConfig, options: FleetOptions = {}): Fleet {
  // Only telemetry the sink's filter matches is expected there (a slice without the sink keeps the filter).
  const config: FleetConfig = fleetConfig.sink
    ? { ...fleetConfig, engine: { sinkTopicFilter: fleetConfig.sink.topic, ...fleetConfig.engine } }
    : fleetConfig;
  const resolved = resolveEngineConfig(config.engine); // validate everything before spawning
  const deviceCount = resolved.groups.reduce((a, g) => a + g.count, 0);
  const shardCount = shardCountFor(config.shards, deviceCount);
  const shards: Shard[] = planShards(config.engine, deviceCount, shardCount).map((slice) => ({
    ...slice,
    stopping: false,
    unsent: 0,
  }));
  const tenants = createTenantMap(resolved.tenants, resolved.pinnedTenants);
  const sinkConfig = config.sink === false ? undefined : config.sink;
  // `fleet sub` accounts a stream others publish: no sends to date, the sink infers from seqs.
  const dated = sinkConfig?.firstSeq !== 'first-seen';
  const ledger =
    sinkConfig && dated && (options.role ?? 'whole') === 'whole'
      ? new DeliveryLedger({
          tenants: tenants.names,
          bucketMs: resolved.bucketMs,
          graceMs: sinkConfig.graceMs,
        })
      : undefined;
  const sent = sentTally(tenants.names.length, resolved.bucketMs);
  const arrivals = arrivalTally(tenants.names.length, resolved.bucketMs);
  let sinkThroughMs = Number.NEGATIVE_INFINITY;
  let lossSpans: Array<[number, number]> = [];
  const reaches = sinkReach(
    resolved.groups,
    resolved.firstIndex,
    resolved.sinkTopicFilter,
    (i) => tenants.names[tenants.of(i)]!,
  );
  const pending = emptyReading();
  const run = emptyReading();
  const crashes: ShardCrash[] = [];
  let sink: Sink | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let stoppedAtMs = Number.POSITIVE_INFINITY;

  const intake = (reading: SourceReading, gauges: boolean) => {
    mergeInto(pending, reading, gauges);
    mergeInto(run, reading, false);
  };
  const events = new EventSeries();

  /**
   * A crashed shard's devices keep "sending" on their schedule, so the ledger expects it: the
   * slots between its last report and its death were sent or lost on the way (the sink's
   * arrivals tell which), the slots after it never were (`shard_unsent`).
   */
  const projectCrashed = () => {
    const dating = { sent, tenantOf: tenants.of, counts: reaches, clockOffsetMs: resolved.clockOffsetMs };
    for (const s of shards) {
      if (!s.crashed || s.crashedAtMs === undefined) continue;
      // Until the fleet stops: after that no device would have sent anything.
      const nowLocal = Math.min(nowMs(), stoppedAtMs);
      const epochMs = s.epochMs ?? s.startedMs ?? nowLocal;
      const fromLocal = Math.max(
        epochMs,
        (s.sentThroughMs ?? Number.NEGATIVE_INFINITY) + resolved.clockOffsetMs,
      );
      const project = (from: number, to: number) =>
        projectCrashedSlots(resolved.groups, resolved.firstIndex, { ...s, epochMs }, from, to, dating);
      if (fromLocal < s.crashedAtMs) project(fromLocal, s.crashedAtMs);
      const unsent = nowLocal > fromLocal ? project(Math.max(fromLocal, s.crashedAtMs), nowLocal) : 0;
      s.sentThroughMs = nowLocal - resolved.clockOffsetMs;
      s.unsent += unsent;
      if (unsent > 0) intake({ counters: { shard_unsent: unsent } }, false);
    }
  };

  const pullLocal = () => {
    for (const s of shards) {
      if (!s.local) continue;
      intake(s.local.collect(), false);
      events.merge(s.local.drainEvents());
      const drained = s.local.drainSent();
      sent.merge(drained.sent);
      s.sentThroughMs = drained.throughMs;
    }
    projectCrashed();
    if (sink) {
      const reading = sink.accounting.collect();
      intake(dated ? withoutMessageCounters(reading) : reading, false);
      const drained = sink.drainArrivals();
      if (drained) {
        arrivals.merge(drained.arrivals);
        lossSpans.push(...drained.lossSpans);
        sinkThroughMs = drained.throughMs;
      }
    }
  };

  const sentThroughMs = () =>
    shards.reduce(
      (min, s) => Math.min(min, s.sentThroughMs ?? Number.NEGATIVE_INFINITY),
      Number.POSITIVE_INFINITY,
    );

  const drainTallies = (): RawTallies => {
    pullLocal();
    const spans = lossSpans;
    lossSpans = [];
    return {
      sent: sent.drain(),
      sentThroughMs: sentThroughMs(),
      ...(sink && dated && { arrivals: arrivals.drain(), sinkThroughMs, lossSpans: spans }),
    };
  };

  /** Moves what was tallied into the ledger and settles what can be. */
  const feedLedger = () => {
    if (!ledger) return;
    const raw = drainTallies();
    ledger.addSent(raw.sent);
    if (raw.arrivals) ledger.addArrivals(raw.arrivals);
    if (raw.lossSpans) ledger.addLossSpans(raw.lossSpans);
    ledger.advance(raw.sentThroughMs, raw.sinkThroughMs ?? Number.NEGATIVE_INFINITY);
  };

  const onMessage = (shard: Shard, msg: ShardMessage) => {
    if (msg.t !== 'reading') return;
    shard.snapshot = msg.snapshot;
    shard.epochMs = msg.epochMs;
    events.merge(msg.events);
    intake(fromWire(msg.reading), false);
    sent.merge(msg.sent);
    shard.sentThroughMs = msg.sentThroughMs;
  };

  const spawnShard = async (shard: Shard, engine: DeviceEngineInput) => {
    const { child, ready } = spawnShardProcess(shard.index, engine, {
      onMessage: (msg) => onMessage(shard, msg),
      stopping: () => shard.stopping,
      onCrash: (exitCode, signal) => {
        const crash: ShardCrash = {
          shard: shard.index,
          firstIndex: shard.firstIndex,
          devices: shard.devices,
          exitCode,
          signal,
        };
        shard.crashed = crash;
        shard.crashedAtMs = nowMs();
        crashes.push(crash);
        intake({ counters: { shard_crashes: 1 } }, false);
        options.onShardCrash?.(crash);
      },
    });
    shard.child = child;
    await ready;
  };

  const snapshot = (): FleetSnapshot =>
    fleetSnapshot({
      target: deviceCount,
      shards,
      crashes,
      sinkTotals: () => (ledger ? ledger.totals() : sink && !dated ? sink.accounting.totals() : undefined),
    });

  const settle = async (untilMs: number) => {
    if (!ledger || !sinkConfig) return;
    const deadline = nowMs() + sinkConfig.graceMs + SETTLE_MARGIN_MS;
    for (;;) {
      feedLedger();
      if (ledger.finalThroughMs >= untilMs || nowMs() >= deadline) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    name: 'fleet',
    deviceCount,
    shardCount: shards.length,
    async start() {
      if (sinkConfig) {
        sink = await startFleetSink(sinkConfig, resolved, {
          // The backlog of an earlier run's persistent sink session is not this run's traffic.
          ...(dated && {
            bucketMs: resolved.bucketMs,
            ignoreBeforeMs: nowMs() - resolved.clockOffsetMs - 1000,
          }),
        });
      }
      await Promise.all(
        shards.map(async (s) => {
          const input = { ...config.engine, groups: resolved.groups, reconnect: resolved.reconnect };
          const engine = withShardBroker(
            shardEngineInput(input, s, shards.length),
            s.index,
            config.shardBrokers,
          );
          if (shards.length === 1 && shardCount === 0) {
            s.local = new DeviceEngine(resolveEngineConfig(engine));
            s.local.start();
            s.epochMs = s.local.epochMs;
          } else {
            await spawnShard(s, engine);
            s.startedMs = nowMs();
            s.child!.send({ t: 'start' });
          }
        }),
      );
      ticker = setInterval(pullLocal, 1000);
    },
    waitConnected(ratio = 1, timeoutMs = 60_000) {
      const need = Math.ceil(deviceCount * ratio);
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          const snap = snapshot();
          if (snap.connected >= need) return resolve();
          if (Date.now() - started > timeoutMs) {
            return reject(
              new Error(`${snap.connected}/${deviceCount} devices connected after ${timeoutMs} ms`),
            );
          }
          setTimeout(poll, 50);
        };
        poll();
      });
    },
    collect() {
      pullLocal();
      feedLedger();
      const snap = snapshot();
      const out: SourceReading = {
        counters: { ...pending.counters },
        gauges: { connected: snap.connected, target: snap.target },
        histograms: pending.histograms,
      };
      // Dated by send time, a loss window is handed out for the slice where it began (the
      // ledger's maxGauges); each slice starts at 0. Otherwise it is the running maximum.
      if (sink) out.gauges!.data_loss_window_ms = dated ? 0 : sink.accounting.maxLossWindowMs;
      if (ledger) {
        const settled = ledger.reading();
        out.dated = settled.dated;
        Object.assign(out.gauges!, settled.gauges);
      }
      pending.counters = {};
      pending.histograms = {};
      return out;
    },
    settle,
    drainTallies,
    snapshot,
    runTotals() {
      pullLocal();
      return run;
    },
    dropConnections() {
      for (const s of shards) {
        if (s.local) s.local.dropConnections();
        else if (s.child?.connected) s.child.send({ t: 'drop' });
      }
    },
    eventSeries() {
      pullLocal();
      return events.series();
    },
    shardPids() {
      return shards.flatMap((s) => (s.child?.pid === undefined ? [] : [s.child.pid]));
    },
    async stop() {
      const stopMs = nowMs() - resolved.clockOffsetMs;
      if (ticker) clearInterval(ticker);
      projectCrashed();
      stoppedAtMs = nowMs();
      await Promise.all(
        shards.map(async (s) => {
          s.stopping = true;
          if (s.local) await s.local.stop();
          else if (s.child && !s.crashed && s.child.connected) await stopShardProcess(s.child);
        }),
      );
      if (sink) {
        // What is on the wire lands; then the ledger settles everything sent before the stop.
        if (ledger) await settle(stopMs);
        else await new Promise((r) => setTimeout(r, Math.min(500, sinkConfig?.graceMs ?? 0)));
        pullLocal();
        sink.accounting.settle();
        await sink.stop();
      }
      pullLocal();
      if (ledger) {
        feedLedger();
        ledger.settleAll();
      }
    },
  };
}
