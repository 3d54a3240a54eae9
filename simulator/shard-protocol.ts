/** Messages between `createFleet` and its shard processes (IPC, advanced serialization). */
import type { TallyWire } from './dated-tally.js';
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
  | {
      t: 'reading';
      reading: WireReading;
      snapshot: EngineSnapshot;
      /** The engine's epoch: a crashed shard's telemetry slots are laid out from it (shard-loss.ts). */
      epochMs: number;
      /** EventBuckets drained since the last reading. */
      events: number[];
      /** Telemetry slots used since the last reading, dated by send time; complete before `sentThroughMs`. */
      sent: TallyWire;
      sentThroughMs: number;
    }
  | { t: 'stopped' };

export function sendToParent(msg: ShardMessage): void {
  // The parent can die between two pushes; its channel closes before 'disconnect' fires, and an
  // EPIPE here must end the shard quietly, not crash it with a stack trace.
  if (!process.connected) return;
  process.send?.(msg, undefined, undefined, (err: Error | null) => {
    if (err) process.exit(0);
  });
}
