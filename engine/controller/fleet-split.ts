/**
 * Splitting a fleet across agents: each agent runs a
 * contiguous slice of the device indexes, so device `i` is the same device whichever host runs
 * it (its client id, tenant and payload sequence come from the global index). The first slice
 * keeps the sink, so end-to-end accounting happens in one place; the others only publish.
 * `createDistributedFleet` starts every slice and is one metrics source for the runner.
 */

import { DeliveryLedger } from '../../simulator/delivery-ledger.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';
import { emptyReading, type FullReading, mergeInto } from '../../simulator/readings.js';
import { createTenantMap } from '../../simulator/tenants.js';
import { SquallError } from '../core/errors.js';
import type { MetricsSource, SourceReading } from '../core/metrics.js';
import type { AgentConnection, RemoteShard } from './agent-connection.js';

/** Splits `config` into `parts` slices of (almost) equal device counts. */
export function splitFleet(config: FleetConfig, parts: number): FleetConfig[] {
  if (!Number.isInteger(parts) || parts < 1)
    throw new SquallError('SQUALL_FLEET_CONFIG_INVALID', `cannot split a fleet into ${parts} parts`);
  const total = config.engine.groups.reduce((n, g) => n + (g.count ?? 1), 0);
  const per = Math.ceil(total / parts);
  const base = config.engine.firstIndex ?? 0;
  const slices: FleetConfig[] = [];
  for (let i = 0; i < parts; i++) {
    const from = i * per;
    const to = Math.min(total, from + per);
    if (to <= from) break;
    const groups = [];
    let at = 0;
    for (const g of config.engine.groups) {
      const count = g.count ?? 1;
      const lo = Math.max(at, from);
      const hi = Math.min(at + count, to);
      if (hi > lo) groups.push({ ...g, count: hi - lo });
      at += count;
    }
    slices.push({
      ...config,
      engine: {
        ...config.engine,
        ...(config.sink && { sinkTopicFilter: config.engine.sinkTopicFilter ?? config.sink.topic }),
        groups,
        firstIndex: base + from,
        seed: (config.engine.seed ?? 1) + i * 104_729,
      },
      sink: i === 0 ? config.sink : false,
      // Each agent decides its own process sharding for its slice.
      shards: 'auto',
    });
  }
  return slices;
}

/** A slice whose agent's session was lost mid-run: which host, which devices. */
export interface LostHost {
  agent: string;
  shardId: string;
  firstIndex: number;
  devices: number;
  /** Its devices' sends are counted (and expected at the sink) up to here, controller clock. */
  sentThroughMs: number;
}

export interface DistributedFleet extends MetricsSource {
  readonly name: 'fleet';
  readonly shards: readonly RemoteShard[];
  /**
   * The session to `agent` was lost: its slice's devices leave the `connected` gauge and count
   * one `shard_crashes`; what they reported sending stays expected (lost if it never arrives,
   * the dating rule), nothing after their last report is expected of them. Undefined when the
   * agent runs no slice of this fleet (or was already reported lost).
   */
  hostLost(agent: string): LostHost | undefined;
  /** Every slice's own counters and histograms since start, by agent (what each host reported). */
  totalsByAgent(): Map<string, FullReading>;
  settle(untilMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Longest a settle waits beyond the sink's grace: agents report once a second. */
const SETTLE_MARGIN_MS = 3000;

/** Starts one slice per agent (all or none) and merges their metrics. */
export async function createDistributedFleet(
  config: FleetConfig,
  agents: readonly AgentConnection[],
  options: { runId?: string } = {},
): Promise<DistributedFleet> {
  // Each slice stamps telemetry on the controller clock (its agent's offset taken out), so
  // every slice dates alike and the sink measures latency across hosts.
  const slices = splitFleet(config, agents.length).map((slice, i) => ({
    ...slice,
    engine: { ...slice.engine, clockOffsetMs: agents[i]!.clockOffsetMs() },
  }));
  const runId = options.runId ?? Date.now().toString(36);
  // The first slice runs the sink and starts its devices only once subscribed; the others
  // start after it, or their first messages reach a topic nobody listens to yet (lost).
  const first = await Promise.allSettled([agents[0]!.startShard(`${runId}-0`, slices[0]!)]);
  const rest =
    first[0]!.status === 'fulfilled'
      ? await Promise.allSettled(
          slices.slice(1).map((slice, i) => agents[i + 1]!.startShard(`${runId}-${i + 1}`, slice)),
        )
      : [];
  const started = [...first, ...rest];
  const shards = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(shards.map((s) => s.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const tenants = createTenantMap(config.engine.tenants ?? [], config.engine.pinnedTenants ?? []);
  const ledger = config.sink
    ? new DeliveryLedger({
        tenants: tenants.names,
        bucketMs: config.engine.bucketMs ?? 1000,
        graceMs: config.sink.graceMs,
      })
    : undefined;
  const sentThrough = new Map<string, number>();
  const lost = new Map<string, LostHost>();
  const agentOf = new Map(shards.map((s, i) => [s.shardId, agents[i]!.name]));
  const perAgent = new Map(shards.map((_, i) => [agents[i]!.name, emptyReading()]));
  /** Counters the fleet itself adds (a lost host), handed out with the next collect. */
  let own = emptyReading();
  let sinkThroughMs = Number.NEGATIVE_INFINITY;
  /** Every slice's tallies into the one ledger; sends are complete as far as the slowest live slice. */
  const feedLedger = () => {
    if (!ledger) return;
    for (const s of shards) {
      if (lost.has(s.shardId)) continue;
      const raw = s.drainTallies();
      if (!raw) continue;
      ledger.addSent(raw.sent);
      sentThrough.set(s.shardId, raw.sentThroughMs);
      if (raw.arrivals) ledger.addArrivals(raw.arrivals);
      if (raw.lossSpans) ledger.addLossSpans(raw.lossSpans);
      if (raw.sinkThroughMs !== undefined) sinkThroughMs = raw.sinkThroughMs;
    }
    const live = [...sentThrough].filter(([id]) => !lost.has(id)).map(([, ms]) => ms);
    const slowest =
      live.length === shards.length - lost.size && live.length > 0
        ? Math.min(...live)
        : Number.NEGATIVE_INFINITY;
    ledger.advance(slowest, sinkThroughMs);
  };
  /** A slice's reading since the last call, kept per agent; a lost slice's gauges are no level any more. */
  const collectShard = (s: RemoteShard) => {
    const r = s.collect();
    const total = perAgent.get(agentOf.get(s.shardId)!)!;
    mergeInto(total, { counters: r.counters, histograms: r.histograms }, false);
    if (!lost.has(s.shardId)) Object.assign(total.gauges, r.gauges ?? {});
    return lost.has(s.shardId) ? { counters: r.counters, histograms: r.histograms } : r;
  };
  return {
    name: 'fleet',
    shards,
    hostLost(agent) {
      const i = agents.findIndex((a) => a.name === agent);
      const shard = shards[i];
      if (!shard || lost.has(shard.shardId)) return undefined;
      // What arrived before the loss still counts; the slice's sends end where its reports did.
      feedLedger();
      const host: LostHost = {
        agent,
        shardId: shard.shardId,
        firstIndex: slices[i]!.engine.firstIndex ?? 0,
        devices: shard.devices,
        sentThroughMs: sentThrough.get(shard.shardId) ?? Number.NEGATIVE_INFINITY,
      };
      lost.set(shard.shardId, host);
      mergeInto(own, { counters: { shard_crashes: 1 } }, false);
      feedLedger();
      return host;
    },
    totalsByAgent: () => perAgent,
    collect(): SourceReading {
      const merged = emptyReading();
      for (const s of shards) mergeInto(merged, collectShard(s), true);
      mergeInto(merged, own, false);
      own = emptyReading();
      if (!ledger) return merged;
      feedLedger();
      const settled = ledger.reading();
      return { ...merged, dated: settled.dated, gauges: { ...merged.gauges, ...settled.gauges } };
    },
    async settle(untilMs) {
      if (!ledger || !config.sink) return;
      const deadline = Date.now() + config.sink.graceMs + SETTLE_MARGIN_MS;
      for (;;) {
        feedLedger();
        if (ledger.finalThroughMs >= untilMs || Date.now() >= deadline) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      // A lost host's session is gone: there is nothing to ask it.
      await Promise.allSettled(shards.filter((s) => !lost.has(s.shardId)).map((s) => s.stop()));
      if (!ledger) return;
      feedLedger();
      ledger.settleAll();
    },
  };
}
