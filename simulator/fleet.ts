/**
 * `createFleet(config)`: devices (in this process, or sharded over child processes each below
 * the open-files limit and on its own loopback source address) plus a sink, exposed as the
 * `fleet` MetricsSource the runner reads once a second. Pure of argv and process globals
 * (STYLE.md §4): the CLI and the runner bind it.
 *
 * A shard that dies unasked is reported through `onShardCrash`, counted in `shard_crashes`,
 * and its devices leave the `connected` gauge; the run goes on with the others. At `stop`, the
 * telemetry its devices would have published after their last report (shard-loss.ts) is
 * counted in `shard_unsent` and settled at the sink as expected and lost.
 */
import type { ChildProcess } from 'node:child_process';
import type { MetricsSource, SourceReading } from '../engine/slo/metrics.js';
import { nowMs } from './clock.js';
import { DeviceEngine, type EngineSnapshot } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { EventSeries } from './event-buckets.js';
import type { FailureCause } from './fleet-metrics.js';
import { startFleetSink } from './fleet-sink.js';
import type { FleetConfig } from './fleet-spec.js';
import { emptyReading, fromWire, mergeInto } from './readings.js';
import { projectCrashedShard } from './shard-loss.js';
import { planShards, type ShardSlice, shardCountFor, shardEngineInput } from './shard-plan.js';
import { spawnShardProcess, stopShardProcess } from './shard-process.js';
import type { ShardMessage } from './shard-protocol.js';
import type { Sink } from './sink.js';
import type { SinkCounter } from './sink-accounting.js';

export interface ShardCrash {
  shard: number;
  firstIndex: number;
  devices: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface FleetOptions {
  onShardCrash?: (crash: ShardCrash) => void;
}

export interface FleetSnapshot {
  target: number;
  connected: number;
  connecting: number;
  backoff: number;
  gaveUp: number;
  /** Engine counters since start, over all shards. */
  totals: Record<string, number>;
  failures: Array<{ cause: FailureCause | 'shard'; detail: string; count: number }>;
  sink?: Record<SinkCounter, number> & { byTenant: Record<string, Record<SinkCounter, number>> };
  shards: { count: number; crashed: ShardCrash[] };
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
  snapshot(): FleetSnapshot;
  /** Everything since start, histograms included (for a summary table). */
  runTotals(): Required<SourceReading>;
  /** Cuts every device connection (a herd: they reconnect per strategy). */
  dropConnections(): void;
  /** Connect attempts and CONNACKs per 100 ms bucket since start, over all shards (shards report once a second). */
  eventSeries(): ReturnType<EventSeries['series']>;
  /** Process ids of the shard processes (empty when the devices run in this process). */
  shardPids(): number[];
  /** Stops devices, lets in-flight messages land, settles the sink's accounting; `snapshot()` then has the final numbers. */
  stop(): Promise<void>;
}

interface Shard extends ShardSlice {
  child?: ChildProcess;
  local?: DeviceEngine;
  snapshot?: EngineSnapshot;
  lastSeqs?: Float64Array;
  /** The last seq counters the shard reported, for projecting a crash's loss. */
  progress?: { seqs: Uint32Array; atMs: number; epochMs: number };
  startedMs?: number;
  stopping: boolean;
  crashed?: ShardCrash;
  /** Seqs its devices never sent because it died (set at stop). */
  unsent?: number;
}

export function createFleet(config: FleetConfig, options: FleetOptions = {}): Fleet {
  const resolved = resolveEngineConfig(config.engine); // validate everything before spawning
  const deviceCount = resolved.groups.reduce((a, g) => a + g.count, 0);
  const shardCount = shardCountFor(config.shards, deviceCount);
  const shards: Shard[] = planShards(config.engine, deviceCount, shardCount).map((slice) => ({
    ...slice,
    stopping: false,
  }));
  const pending = emptyReading();
  const run = emptyReading();
  const crashes: ShardCrash[] = [];
  let sink: Sink | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const intake = (reading: SourceReading, gauges: boolean) => {
    mergeInto(pending, reading, gauges);
    mergeInto(run, reading, false);
  };
  const events = new EventSeries();
  const pullLocal = () => {
    for (const s of shards) {
      if (!s.local) continue;
      intake(s.local.collect(), false);
      events.merge(s.local.drainEvents());
    }
    if (sink) intake(sink.accounting.collect(), false);
  };

  const onMessage = (shard: Shard, msg: ShardMessage) => {
    if (msg.t === 'reading') {
      shard.snapshot = msg.snapshot;
      shard.progress = { seqs: msg.seqs, atMs: msg.atMs, epochMs: msg.epochMs };
      events.merge(msg.events);
      intake(fromWire(msg.reading), false);
    } else if (msg.t === 'stopped') shard.lastSeqs = msg.lastSeqs;
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
        crashes.push(crash);
        intake({ counters: { shard_crashes: 1 } }, false);
        options.onShardCrash?.(crash);
      },
    });
    shard.child = child;
    await ready;
  };

  const gaugesNow = () => {
    const snap = snapshot();
    return { connected: snap.connected, target: snap.target };
  };

  function snapshot(): FleetSnapshot {
    const out: FleetSnapshot = {
      target: deviceCount,
      connected: 0,
      connecting: 0,
      backoff: 0,
      gaveUp: 0,
      totals: {},
      failures: [],
      shards: { count: shards.length, crashed: [...crashes] },
    };
    const failures = new Map<string, FleetSnapshot['failures'][number]>();
    for (const s of shards) {
      const snap = s.local ? s.local.snapshot() : s.snapshot;
      if (!snap) continue;
      if (!s.crashed) {
        out.connected += snap.connected;
        out.connecting += snap.connecting;
        out.backoff += snap.backoff;
        out.gaveUp += snap.gaveUp;
      }
      for (const [k, v] of Object.entries(snap.totals)) out.totals[k] = (out.totals[k] ?? 0) + v;
      for (const f of snap.failures) {
        const key = `${f.cause}:${f.detail}`;
        const prev = failures.get(key);
        if (prev) prev.count += f.count;
        else failures.set(key, { ...f });
      }
    }
    for (const c of crashes) {
      const unsent = shards[c.shard]?.unsent;
      const detail =
        `shard ${c.shard} (devices ${c.firstIndex}–${c.firstIndex + c.devices - 1}) died: ${c.signal ?? `exit code ${c.exitCode}`}` +
        (unsent ? `; ${unsent} telemetry messages its devices never sent are counted lost` : '');
      failures.set(`shard:${c.shard}`, { cause: 'shard', detail, count: c.devices });
    }
    out.failures = [...failures.values()].sort((a, b) => b.count - a.count);
    if (sink) out.sink = sink.accounting.totals();
    return out;
  }

  return {
    name: 'fleet',
    deviceCount,
    shardCount: shards.length,
    async start() {
      if (config.sink) sink = await startFleetSink(config.sink, resolved);
      await Promise.all(
        shards.map(async (s) => {
          const input = { ...config.engine, groups: resolved.groups, reconnect: resolved.reconnect };
          const engine = shardEngineInput(input, s, shards.length);
          if (shards.length === 1 && shardCount === 0) {
            s.local = new DeviceEngine(resolveEngineConfig(engine));
            s.local.start();
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
      const out = {
        counters: { ...pending.counters },
        gauges: gaugesNow() as Record<string, number>,
        histograms: pending.histograms,
      };
      if (sink) out.gauges = { ...out.gauges, data_loss_window_ms: sink.accounting.maxLossWindowMs };
      pending.counters = {};
      pending.histograms = {};
      return out;
    },
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
      const stopMs = nowMs();
      if (ticker) clearInterval(ticker);
      await Promise.all(
        shards.map(async (s) => {
          s.stopping = true;
          if (s.local) {
            await s.local.stop();
            s.lastSeqs = Float64Array.from({ length: s.devices }, (_, i) => s.local!.lastSeq(i));
          } else if (s.child && !s.crashed && s.child.connected) {
            await stopShardProcess(s.child);
          }
        }),
      );
      for (const s of shards) {
        if (!s.crashed || s.lastSeqs) continue;
        const projected = projectCrashedShard(
          resolved.groups,
          resolved.firstIndex,
          {
            firstIndex: s.firstIndex,
            devices: s.devices,
            seqs: s.progress?.seqs,
            atMs: s.progress?.atMs ?? s.startedMs ?? stopMs,
            epochMs: s.progress?.epochMs ?? s.startedMs ?? stopMs,
          },
          stopMs,
          (index) => sink?.accounting.highestSeq(index) ?? -1,
        );
        s.lastSeqs = projected.lastSeqs;
        s.unsent = projected.unsent;
        intake({ counters: { shard_unsent: projected.unsent } }, false);
      }
      if (sink) {
        // Let what is on the wire land, then settle: trailing seqs never seen are lost.
        await new Promise((r) => setTimeout(r, Math.min(500, config.sink ? config.sink.graceMs : 0)));
        const lastSeq = new Float64Array(deviceCount).fill(-1);
        for (const s of shards) if (s.lastSeqs) lastSeq.set(s.lastSeqs, s.firstIndex - resolved.firstIndex);
        sink.accounting.sweep(nowMs());
        sink.accounting.settle((i) => lastSeq[i - resolved.firstIndex] ?? -1, deviceCount);
        await sink.stop();
      }
      pullLocal();
    },
  };
}
