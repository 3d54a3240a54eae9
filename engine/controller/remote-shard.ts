/**
 * A fleet shard running on an agent, seen from the controller: started and stopped over the
 * agent's session, its metrics arriving over the same stream about once a second and merged
 * until the runner collects them.
 */
import type { FleetConfig } from '../../simulator/fleet-config.js';
import { type RawTallies, TallyQueue } from '../../simulator/raw-tallies.js';
import { emptyReading, fromWire, mergeInto, type WireReading } from '../../simulator/readings.js';
import type { MetricsSource } from '../core/metrics.js';
import type { AgentSession } from './agent-session.js';

/** A fleet shard running on an agent, as a metrics source for the runner. */
export interface RemoteShard extends MetricsSource {
  readonly shardId: string;
  readonly devices: number;
  /** The slice's dated tallies that arrived since the last call (fleet-split.ts settles them). */
  drainTallies(): RawTallies | undefined;
  /** Stops the shard (its last metrics arrive first); `finalSnapshot` then has the simulator's FleetSnapshot. */
  stop(): Promise<void>;
  finalSnapshot(): unknown;
}

/** What a shard needs of its session: requests, and the map where its metrics arrive. */
export type ShardSession = Pick<AgentSession, 'request' | 'state'>;

export async function startRemoteShard(
  session: ShardSession,
  shardId: string,
  config: FleetConfig,
): Promise<RemoteShard> {
  const readings = session.state.shardReadings;
  const reading = emptyReading();
  const tallies = new TallyQueue();
  // Counters and histograms add up; gauges are levels, so the latest one wins. The slice's dated
  // tallies ride along, for the controller's delivery ledger.
  readings.set(shardId, (json) => {
    const wire = JSON.parse(json) as WireReading & { tallies?: RawTallies };
    const next = fromWire(wire);
    mergeInto(reading, next, false);
    Object.assign(reading.gauges, next.gauges ?? {});
    if (wire.tallies) tallies.push(wire.tallies);
  });
  let devices: number;
  try {
    const started = await session.request(
      (id) => ({ start_shard: { request_id: id, shard_id: shardId, fleet_json: JSON.stringify(config) } }),
      'shard_started',
    );
    devices = started.devices;
  } catch (err) {
    readings.delete(shardId);
    throw err;
  }
  const take = () => {
    const out = {
      counters: { ...reading.counters },
      gauges: { ...reading.gauges },
      histograms: { ...reading.histograms },
    };
    reading.counters = {};
    reading.histograms = {};
    return out;
  };
  let snapshot: unknown;
  return {
    name: 'fleet',
    shardId,
    devices,
    collect: take,
    drainTallies: () => tallies.drain(),
    async stop() {
      const stopped = await session.request(
        (id) => ({ stop_shard: { request_id: id, shard_id: shardId } }),
        'shard_stopped',
      );
      readings.delete(shardId);
      snapshot = JSON.parse(stopped.snapshot_json);
    },
    finalSnapshot: () => snapshot,
  };
}
