/**
 * Fleet shards hosted by an agent: a slice of the controller's fleet runs here (the simulator's
 * `createFleet`), and its metrics go back over the session once a second. A shard belongs to
 * its session: when the session ends or its lease runs out, the shard stops — an agent never
 * keeps simulating devices for a controller that is gone.
 */
import { SquallError } from '../../engine/core/errors.js';
import { createFleet, type Fleet } from '../../simulator/fleet.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';
import { toWire } from '../../simulator/readings.js';
import type { PolicyGate } from './policy.js';
import { shardDevices } from './shard-config.js';

/** How often a shard's metrics are sent (the runner's slice is 1 s). */
const SHARD_METRICS_INTERVAL_MS = 1000;

/** The policy name of shard hosting, for `drivers:` allow-lists. */
export const SHARD_DRIVER_NAME = 'fleet.shard';

export interface ShardSink {
  metrics(shardId: string, wireJson: string): void;
}

interface HostedShard {
  sessionId: string;
  fleet: Fleet;
  timer: NodeJS.Timeout;
}

export interface ShardHost {
  start(
    sessionId: string,
    shardId: string,
    config: FleetConfig,
    sink: ShardSink,
  ): Promise<{ devices: number }>;
  /**
   * Stops the shard, sends its last metrics, and returns its final snapshot. With `sessionId`,
   * only a shard of that session (a session stops only its own).
   */
  stop(shardId: string, sink?: ShardSink, sessionId?: string): Promise<unknown>;
  stopSession(sessionId: string): Promise<void>;
  stopAll(): Promise<void>;
  count(): number;
}

export function createShardHost(options: { policy: PolicyGate; log: (message: string) => void }): ShardHost {
  const shards = new Map<string, HostedShard>();
  /** Shards being started: their device counts. */
  const starting = new Map<string, number>();

  // The slice's dated tallies ride along: the controller settles them with the other slices'.
  const flush = (shardId: string, fleet: Fleet, sink: ShardSink | undefined) =>
    sink?.metrics(shardId, JSON.stringify({ ...toWire(fleet.collect()), tallies: fleet.drainTallies() }));

  const stop = async (shardId: string, sink?: ShardSink, sessionId?: string) => {
    const shard = shards.get(shardId);
    if (!shard) throw new SquallError('SQUALL_USAGE', `no shard '${shardId}' on this agent`);
    if (sessionId !== undefined && shard.sessionId !== sessionId) {
      throw new SquallError(
        'SQUALL_AGENT_POLICY_DENIED',
        `shard '${shardId}' belongs to another session; a session stops only its own shards`,
      );
    }
    shards.delete(shardId);
    clearInterval(shard.timer);
    await shard.fleet.stop();
    flush(shardId, shard.fleet, sink);
    options.log(`shard ${shardId}: stopped`);
    return shard.fleet.snapshot();
  };

  return {
    async start(sessionId, shardId, config, sink) {
      if (shards.has(shardId) || starting.has(shardId))
        throw new SquallError('SQUALL_USAGE', `shard '${shardId}' is already running here`);
      // Shards still starting count against the caps too (two requests at once cannot both fit).
      const devices = [...shards.values()].reduce((n, h) => n + h.fleet.deviceCount, 0);
      options.policy.checkShard(config, {
        shards: shards.size + starting.size,
        devices: devices + [...starting.values()].reduce((n, d) => n + d, 0),
      });
      starting.set(shardId, shardDevices(config));
      let fleet: Fleet;
      try {
        fleet = createFleet(config, { role: 'part' });
        await fleet.start();
      } finally {
        starting.delete(shardId);
      }
      const timer = setInterval(() => flush(shardId, fleet, sink), SHARD_METRICS_INTERVAL_MS);
      shards.set(shardId, { sessionId, fleet, timer });
      options.log(`shard ${shardId}: ${fleet.deviceCount} device(s) started for session ${sessionId}`);
      return { devices: fleet.deviceCount };
    },
    stop,
    async stopSession(sessionId) {
      for (const [id, s] of [...shards]) if (s.sessionId === sessionId) await stop(id).catch(() => {});
    },
    async stopAll() {
      for (const id of [...shards.keys()]) await stop(id).catch(() => {});
    },
    count: () => shards.size,
  };
}
