/** Messages between `createFleet` and its shard processes (IPC, advanced serialization). */
import type { EngineSnapshot } from './device-engine.js';
import type { DeviceEngineInput } from './engine-config.js';
import type { WireReading } from './readings.js';

export type ParentMessage =
  | { t: 'init'; engine: Omit<DeviceEngineInput, 'onMessage'> }
  | { t: 'start' }
  | { t: 'drop' }
  | { t: 'stop'; graceful: boolean };

export type ShardMessage =
  | { t: 'ready' }
  | { t: 'reading'; reading: WireReading; snapshot: EngineSnapshot }
  | { t: 'stopped'; lastSeqs: Float64Array };

export function sendToParent(msg: ShardMessage): void {
  process.send?.(msg);
}
