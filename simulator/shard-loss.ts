/**
 * What a crashed shard's devices would have published: a dead shard takes its devices'
 * telemetry with it, and the sink must count that as lost, not ignore it. From the last seq
 * counters the shard reported (and when), each device's telemetry schedule (its slots are
 * `epoch + phase + k · interval`, as device-connection.ts places them) gives the seqs it would
 * have spent until `untilMs`. With `offline: drop` that is exactly what a live device spends;
 * with `offline: pause` it is what a device that stayed connected would have sent.
 */

import { telemetryPhaseMs } from './device-connection.js';
import type { DeviceGroupConfig } from './engine-config.js';

export interface ShardProgress {
  /** Global index of the shard's first device. */
  firstIndex: number;
  devices: number;
  /** Next seq per device (seqs spent) at `atMs`; absent when the shard never reported. */
  seqs?: Uint32Array;
  atMs: number;
  /** The shard engine's epoch: telemetry slots are laid out from it. */
  epochMs: number;
}

export interface ProjectedLoss {
  /** Last seq per device of the shard (-1: none), including the projected unsent tail. */
  lastSeqs: Float64Array;
  /**
   * Projected seqs beyond the last one known to be spent (reported by the shard, or seen at
   * the sink): never sent because the shard died.
   */
  unsent: number;
}

/**
 * @param groups the fleet's groups in index order, the first starting at `baseIndex`.
 * @param seenSeq highest seq the sink saw from a global device index (-1 for none).
 */
export function projectCrashedShard(
  groups: readonly DeviceGroupConfig[],
  baseIndex: number,
  shard: ShardProgress,
  untilMs: number,
  seenSeq: (index: number) => number = () => -1,
): ProjectedLoss {
  const lastSeqs = new Float64Array(shard.devices);
  let unsent = 0;
  let groupStart = baseIndex;
  let g = 0;
  for (let local = 0; local < shard.devices; local++) {
    const index = shard.firstIndex + local;
    while (g < groups.length && index >= groupStart + groups[g]!.count) groupStart += groups[g++]!.count;
    const known = shard.seqs?.[local] ?? 0;
    const t = groups[g]?.telemetry;
    let more = 0;
    if (t && untilMs > shard.atMs) {
      const origin = shard.epochMs + telemetryPhaseMs(t, index);
      const slotsUpTo = (ms: number) => Math.max(0, Math.floor((ms - origin) / t.intervalMs) + 1);
      more = slotsUpTo(untilMs) - slotsUpTo(shard.atMs);
    }
    const last = known + more - 1;
    lastSeqs[local] = last;
    unsent += Math.max(0, last - Math.max(known - 1, seenSeq(index)));
  }
  return { lastSeqs, unsent };
}
