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
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SquallError } from '../engine/errors.js';
import type { MetricsSource, SourceReading } from '../engine/slo/metrics.js';
import { nowMs } from './clock.js';
import { DeviceEngine, type EngineSnapshot } from './device-engine.js';
import { type DeviceEngineInput, type DeviceGroupInput, resolveEngineConfig } from './engine-config.js';
import { EventSeries } from './event-buckets.js';
import { CAUSE_CODE, type FailureCause } from './fleet-metrics.js';
import type { FleetConfig } from './fleet-spec.js';
import { emptyReading, fromWire, mergeInto } from './readings.js';
import { projectCrashedShard } from './shard-loss.js';
import type { ShardMessage } from './shard-protocol.js';
import { createSink, type Sink } from './sink.js';
import type { SinkCounter } from './sink-accounting.js';

/** Devices per shard when `shards: auto`: well below the 20,000 open-files limit here. */
export const MAX_DEVICES_PER_SHARD = 15_000;

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

interface Shard {
  index: number;
  firstIndex: number;
  devices: number;
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
  const shardCount =
    config.shards === 'auto'
      ? deviceCount > MAX_DEVICES_PER_SHARD
        ? Math.ceil(deviceCount / MAX_DEVICES_PER_SHARD)
        : 0
      : config.shards;
  const shards = planShards(config.engine, deviceCount, shardCount);
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

  const spawnShard = (shard: Shard, engine: DeviceEngineInput) =>
    new Promise<void>((resolve, reject) => {
      const entry = shardEntry();
      const child = fork(entry, [], {
        execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      shard.child = child;
      child.on('message', (m) => {
        const msg = m as ShardMessage;
        if (msg.t === 'ready') resolve();
        else onMessage(shard, msg);
      });
      child.once('exit', (exitCode, signal) => {
        if (shard.stopping) return;
        const crash: ShardCrash = {
          shard: shard.index,
          firstIndex: shard.firstIndex,
          devices: shard.devices,
          exitCode,
          signal,
        };
        shard.crashed = crash;
        crashes.push(crash);
        pending.counters.shard_crashes = (pending.counters.shard_crashes ?? 0) + 1;
        run.counters.shard_crashes = (run.counters.shard_crashes ?? 0) + 1;
        options.onShardCrash?.(crash);
        reject(new Error(`shard ${shard.index} exited before it was ready`));
      });
      child.send({ t: 'init', engine: { ...engine, onMessage: undefined } });
    });

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
      if (config.sink) {
        const sinkConfig = config.sink;
        const sinkBrokers = sinkConfig.brokers?.length
          ? sinkConfig.brokers
          : [sinkConfig.broker ?? resolved.broker];
        sink = createSink({
          broker: sinkBrokers[0]!,
          brokers: sinkBrokers,
          topic: config.sink.topic,
          qos: config.sink.qos,
          connections: config.sink.connections,
          protocolVersion: config.sink.protocolVersion,
          graceMs: config.sink.graceMs,
          firstSeq: config.sink.firstSeq,
          tenants: resolved.tenants,
          payloadTemplate: resolved.groups.find((g) => g.telemetry)?.telemetry?.payloadTemplate,
        });
        sink.start();
        try {
          await sink.waitReady(resolved.connectTimeoutMs);
        } catch {
          // The sink talks to the same broker: report why it could not, as the devices would.
          const stuck = sink.engines.findIndex((e) => e.metrics.total.subscribed < sinkConfig.connections);
          const at = sinkBrokers[Math.max(0, stuck)]!;
          const snap = sink.engines[Math.max(0, stuck)]!.snapshot();
          await sink.stop();
          const top = snap.failures.sort((a, b) => b.count - a.count)[0];
          throw new SquallError(
            top ? CAUSE_CODE[top.cause] : 'SQUALL_FLEET_BROKER_UNREACHABLE',
            `the sink could not subscribe at ${at.host}:${at.port}` +
              (top ? ` (${top.count} attempt(s)): ${top.detail}` : ` within ${resolved.connectTimeoutMs} ms`),
          );
        }
      }
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
      for (const s of shards) if (s.local) events.merge(s.local.drainEvents());
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
            const child = s.child;
            await new Promise<void>((resolve) => {
              const done = () => resolve();
              child.once('exit', done);
              const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
              child.on('message', (m) => {
                if ((m as ShardMessage).t === 'stopped') {
                  clearTimeout(timer);
                  child.disconnect();
                }
              });
              child.send({ t: 'stop', graceful: true });
            });
          }
        }),
      );
      for (const s of shards) {
        if (!s.crashed || s.lastSeqs) continue;
        const projected = projectCrashedShard(
          resolved.groups,
          config.engine.firstIndex ?? 0,
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
        pending.counters.shard_unsent = (pending.counters.shard_unsent ?? 0) + projected.unsent;
        run.counters.shard_unsent = (run.counters.shard_unsent ?? 0) + projected.unsent;
      }
      if (sink) {
        // Let what is on the wire land, then settle: trailing seqs never seen are lost.
        await new Promise((r) => setTimeout(r, Math.min(500, config.sink ? config.sink.graceMs : 0)));
        const lastSeq = new Float64Array(deviceCount).fill(-1);
        for (const s of shards)
          if (s.lastSeqs) lastSeq.set(s.lastSeqs, s.firstIndex - (config.engine.firstIndex ?? 0));
        sink.accounting.sweep(nowMs());
        sink.accounting.settle((i) => lastSeq[i - (config.engine.firstIndex ?? 0)] ?? -1, deviceCount);
        await sink.stop();
      }
      pullLocal();
    },
  };
}

function shardEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/fleet\.(ts|js)$/, 'shard-child.$1');
}

function planShards(input: DeviceEngineInput, deviceCount: number, shardCount: number): Shard[] {
  if (deviceCount === 0) return []; // a sink-only fleet (`squall fleet sub`)
  const n = Math.max(1, shardCount);
  const base = input.firstIndex ?? 0;
  const per = Math.ceil(deviceCount / n);
  const shards: Shard[] = [];
  for (let i = 0; i < n; i++) {
    const first = i * per;
    const devices = Math.max(0, Math.min(per, deviceCount - first));
    if (devices === 0 && i > 0) break;
    shards.push({ index: i, firstIndex: base + first, devices, stopping: false });
  }
  return shards;
}

/** The engine input of one shard: its slice of every group, its seed, its source addresses. */
function shardEngineInput(input: DeviceEngineInput, shard: Shard, shardTotal: number): DeviceEngineInput {
  const base = input.firstIndex ?? 0;
  const from = shard.firstIndex - base;
  const to = from + shard.devices;
  const groups: DeviceGroupInput[] = [];
  let at = 0;
  for (const g of input.groups) {
    const count = g.count ?? 1;
    const lo = Math.max(at, from);
    const hi = Math.min(at + count, to);
    if (hi > lo) groups.push({ ...g, count: hi - lo });
    at += count;
  }
  return {
    ...input,
    groups,
    firstIndex: shard.firstIndex,
    seed: (input.seed ?? 1) + shard.index * 7919,
    localAddresses: shardAddresses(input, shard.index, shardTotal),
  };
}

/**
 * Each shard gets its own source addresses so no two shards compete for one address's
 * ephemeral ports: the explicit list split round-robin, or 127.0.0.(2 + shard) on loopback.
 */
function shardAddresses(input: DeviceEngineInput, shard: number, total: number): string[] {
  const explicit = input.localAddresses ?? [];
  if (explicit.length > 0) {
    if (explicit.length < total) return [explicit[shard % explicit.length]!];
    return explicit.filter((_, i) => i % total === shard);
  }
  if (total > 1 && input.broker.host.startsWith('127.')) return [`127.0.0.${2 + (shard % 250)}`];
  return [];
}
