/**
 * Splitting a fleet across agents (ARCHITECTURE.md "Beyond one machine"): each agent runs a
 * contiguous slice of the device indexes, so device `i` is the same device whichever host runs
 * it (its client id, tenant and payload sequence come from the global index). The first slice
 * keeps the sink, so end-to-end accounting happens in one place; the others only publish.
 * `createDistributedFleet` starts every slice and is one metrics source for the runner.
 */
import type { FleetConfig } from '../../simulator/fleet-spec.js';
import { emptyReading, mergeInto } from '../../simulator/readings.js';
import { SquallError } from '../errors.js';
import type { MetricsSource, SourceReading } from '../slo/metrics.js';
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
  stop(): Promise<void>;
}

/** Starts one slice per agent (all or none) and merges their metrics. */
export async function createDistributedFleet(
  config: FleetConfig,
  agents: readonly AgentConnection[],
  options: { runId?: string } = {},
): Promise<DistributedFleet> {
  const slices = splitFleet(config, agents.length);
  const runId = options.runId ?? Date.now().toString(36);
  const started = await Promise.allSettled(
    slices.map((slice, i) => agents[i]!.startShard(`${runId}-${i}`, slice)),
  );
  const shards = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(shards.map((s) => s.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    name: 'fleet',
    shards,
    collect(): SourceReading {
      const merged = emptyReading();
      for (const s of shards) mergeInto(merged, s.collect(), true);
      return merged;
    },
    async stop() {
      await Promise.allSettled(shards.map((s) => s.stop()));
    },
  };
}
