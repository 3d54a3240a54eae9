/**
 * What a crashed shard's devices would have published: a dead shard takes its devices'
 * telemetry with it, and the accounting must count that as lost, not ignore it. Each device's
 * telemetry schedule (its slots are `epoch + phase + k · interval`, as device-connection.ts
 * places them) gives the slots it would have used after the shard's last report. With
 * `offline: drop` that is exactly what a live device uses; with `offline: pause` it is what a
 * device that stayed connected would have sent.
 */
import type { DatedTally } from './dated-tally.js';
import { telemetryPhaseMs } from './device-connection.js';
import type { DeviceGroupConfig } from './engine-config.js';

/** Where a crashed shard's projected slots are dated: its devices' tenant and whether the sink counts them. */
export interface SlotDating {
  sent: DatedTally;
  tenantOf(index: number): number;
  /** False for a device whose telemetry the sink's filter does not match. */
  counts(index: number): boolean;
  /** The shard host's clock minus the controller's. */
  clockOffsetMs: number;
}

/**
 * Adds to `dating.sent` the telemetry slots a crashed shard's devices would have used in
 * [fromMs, toMs) (the shard's clock, as its epoch), each dated at its slot time on the
 * controller clock, and returns how many: the delivery ledger then expects what the dead
 * devices would have sent, and counts it lost.
 */
export function projectCrashedSlots(
  groups: readonly DeviceGroupConfig[],
  baseIndex: number,
  shard: { firstIndex: number; devices: number; epochMs: number },
  fromMs: number,
  toMs: number,
  dating: SlotDating,
): number {
  let slots = 0;
  let groupStart = baseIndex;
  let g = 0;
  for (let local = 0; local < shard.devices; local++) {
    const index = shard.firstIndex + local;
    while (g < groups.length && index >= groupStart + groups[g]!.count) groupStart += groups[g++]!.count;
    const t = groups[g]?.telemetry;
    if (!t || toMs <= fromMs || !dating.counts(index)) continue;
    const origin = shard.epochMs + telemetryPhaseMs(t, index);
    const tenant = dating.tenantOf(index);
    for (let k = Math.max(0, Math.ceil((fromMs - origin) / t.intervalMs)); ; k++) {
      const at = origin + k * t.intervalMs;
      if (at >= toMs) break;
      dating.sent.add(0, tenant, at - dating.clockOffsetMs);
      slots++;
    }
  }
  return slots;
}
