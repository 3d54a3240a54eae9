/**
 * `flushed()` is what a draining worker awaits before it exits: it must cover a batch already
 * handed to node's IPC but not yet written, not only what is still queued in the link.
 */
import { describe, expect, it } from 'vitest';
import { IpcLink } from './ipc-link.js';

describe('IpcLink.flushed', () => {
  it('waits for a batch handed to the channel whose write has not completed', async () => {
    const pendingWrites: (() => void)[] = [];
    const link = new IpcLink<{ n: number }>({
      connected: true,
      send: (_m, callback) => {
        pendingWrites.push(() => callback?.(null));
        return true;
      },
    });
    link.send({ n: 1 });
    await new Promise((r) => setImmediate(r)); // the batch goes to `send`; its write is pending
    expect(pendingWrites).toHaveLength(1);
    let flushed = false;
    const done = link.flushed().then(() => {
      flushed = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    pendingWrites[0]!();
    await done;
    expect(flushed).toBe(true);
    // Nothing queued, nothing in flight: resolves at once.
    await link.flushed();
  });
});
