/**
 * How a fleet splits into shards: how many (each well below this machine's 20,000 open-files
 * limit), which device indices each one runs, its slice of every group, its seed, and its own
 * loopback source addresses.
 */
import type { BrokerTarget } from '../engine/spec/broker-url.js';
import type { DeviceEngineInput, DeviceGroupInput } from './engine-config.js';

/** Devices per shard when `shards: auto`: well below the 20,000 open-files limit here. */
const MAX_DEVICES_PER_SHARD = 15_000;

/** One shard's share of the fleet. */
export interface ShardSlice {
  index: number;
  firstIndex: number;
  devices: number;
}

/** `auto`: in this process up to MAX_DEVICES_PER_SHARD devices (0 = no child), else enough shards. */
export function shardCountFor(shards: number | 'auto', deviceCount: number): number {
  if (shards !== 'auto') return shards;
  return deviceCount > MAX_DEVICES_PER_SHARD ? Math.ceil(deviceCount / MAX_DEVICES_PER_SHARD) : 0;
}

export function planShards(input: DeviceEngineInput, deviceCount: number, shardCount: number): ShardSlice[] {
  if (deviceCount === 0) return []; // a sink-only fleet (`squall fleet sub`)
  const n = Math.max(1, shardCount);
  const base = input.firstIndex ?? 0;
  const per = Math.ceil(deviceCount / n);
  const shards: ShardSlice[] = [];
  for (let i = 0; i < n; i++) {
    const first = i * per;
    const devices = Math.max(0, Math.min(per, deviceCount - first));
    if (devices === 0 && i > 0) break;
    shards.push({ index: i, firstIndex: base + first, devices });
  }
  return shards;
}

/** The engine input of one shard: its slice of every group, its seed, its source addresses. */
export function shardEngineInput(
  input: DeviceEngineInput,
  shard: ShardSlice,
  shardTotal: number,
): DeviceEngineInput {
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

/** A shard's primary broker when the fleet spreads its shards over several endpoints. */
export function withShardBroker(
  input: DeviceEngineInput,
  shard: number,
  shardBrokers: BrokerTarget[] | undefined,
): DeviceEngineInput {
  if (!shardBrokers?.length) return input;
  return { ...input, broker: shardBrokers[shard % shardBrokers.length]! };
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
