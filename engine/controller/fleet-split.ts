/**
 * Splitting a fleet across agents: each agent runs a
 * contiguous slice of the device indexes, so device `i` is the same device whichever host runs
 * it (its client id, tenant and payload sequence come from the global index). The first slice
 * keeps the sink, so end-to-end accounting happens in one place; the others only publish.
 * `createDistributedFleet` starts every slice and is one metrics source for the runner.
 */

import { DeliveryLedger } from '../../simulator/delivery-ledger.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';
import { emptyReading, mergeInto } from '../../simulator/readings.js';
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

export interface DistributedFleet extends MetricsSource {
  readonly name: 'fleet';
  readonly shards: readonly RemoteShard[];
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
  let sinkThroughMs = Number.NEGATIVE_INFINITY;
  /** Every slice's tallies into the one ledger; sends are complete as far as the slowest slice. */
  const feedLedger = () => {
    if (!ledger) return;
    for (const s of shards) {
      const raw = s.drainTallies();
      if (!raw) continue;
      ledger.addSent(raw.sent);
      sentThrough.set(s.shardId, raw.sentThroughMs);
      if (raw.arrivals) ledger.addArrivals(raw.arrivals);
      if (raw.lossSpans) ledger.addLossSpans(raw.lossSpans);
      if (raw.sinkThroughMs !== undefined) sinkThroughMs = raw.sinkThroughMs;
    }
    const slowest =
      sentThrough.size === shards.length ? Math.min(...sentThrough.values()) : Number.NEGATIVE_INFINITY;
    ledger.advance(slowest, sinkThroughMs);
  };
  return {
    name: 'fleet',
    shards,
    collect(): SourceReading {
      const merged = emptyReading();
      for (const s of shards) mergeInto(merged, s.collect(), true);
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
      await Promise.allSettled(shards.map((s) => s.stop()));
      if (!ledger) return;
      feedLedger();
      ledger.settleAll();
    },
  };
}
