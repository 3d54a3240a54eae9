/**
 * A fleet shard: one child process running one DeviceEngine for a contiguous range of device
 * indexes. It pushes a reading every second (and a last one when stopped); the parent merges
 * them (fleet.ts). Runs only as a child of `createFleet`.
 */
import { DeviceEngine } from './device-engine.js';
import { type DeviceEngineInput, resolveEngineConfig } from './engine-config.js';
import { toWire } from './readings.js';
import type { ParentMessage } from './shard-protocol.js';
import { sendToParent } from './shard-protocol.js';

let engine: DeviceEngine | undefined;
let pusher: NodeJS.Timeout | undefined;

function push(): void {
  if (!engine) return;
  const { sent, throughMs } = engine.drainSent();
  sendToParent({
    t: 'reading',
    sent,
    sentThroughMs: throughMs,
    reading: toWire(engine.collect()),
    snapshot: engine.snapshot(),
    epochMs: engine.epochMs,
    events: engine.drainEvents(),
  });
}

process.on('message', async (raw) => {
  const msg = raw as ParentMessage;
  switch (msg.t) {
    case 'init':
      engine = new DeviceEngine(resolveEngineConfig(msg.engine as DeviceEngineInput));
      sendToParent({ t: 'ready' });
      return;
    case 'start':
      engine!.start();
      pusher = setInterval(push, 1000);
      return;
    case 'drop':
      engine!.dropConnections();
      return;
    case 'stop': {
      if (pusher) clearInterval(pusher);
      await engine!.stop({ graceful: msg.graceful });
      push();
      sendToParent({ t: 'stopped' });
      return;
    }
  }
});
process.on('disconnect', () => process.exit(0));
