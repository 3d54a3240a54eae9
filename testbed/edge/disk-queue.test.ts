/** The store-and-forward queue: FIFO order, the bound and its three overflow policies, resume after reopen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskQueue, type OverflowPolicy } from './disk-queue.js';

let dir: string;
const opened: DiskQueue[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'squall-queue-test-'));
});
afterEach(() => {
  for (const q of opened.splice(0)) q.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (overflow: OverflowPolicy, maxMessages = 3) => {
  const q = new DiskQueue({ file: path.join(dir, 'q.db'), maxMessages, overflow });
  opened.push(q);
  return q;
};
const msg = (n: number) => ({
  topic: `t/${n}`,
  payload: Buffer.from(String(n)),
  qos: 1 as const,
  retain: false,
});
const payloads = (q: DiskQueue) => q.readAfter(0, 100).map((m) => m.payload.toString());

describe('DiskQueue', () => {
  it('keeps FIFO order and survives a reopen', async () => {
    const q = open('drop-oldest', 10);
    await Promise.all([1, 2, 3].map((n) => q.append(msg(n))));
    q.close();
    const again = open('drop-oldest', 10);
    expect(again.depth).toBe(3);
    expect(payloads(again)).toEqual(['1', '2', '3']);
    const [first] = again.readAfter(0, 1);
    again.ack(first!.seq);
    await again.append(msg(4));
    expect(payloads(again)).toEqual(['2', '3', '4']);
    expect(again.oldestEnqueuedAtMs()).toBeGreaterThan(Date.now() - 5000);
  });

  it('drop-oldest evicts the oldest and counts it', async () => {
    const q = open('drop-oldest');
    for (let n = 1; n <= 5; n++) expect(await q.append(msg(n))).toBe('queued');
    expect(payloads(q)).toEqual(['3', '4', '5']);
    expect(q.counters).toMatchObject({ enqueued: 5, droppedOldest: 2, droppedNewest: 0 });
    expect(q.peakDepth).toBe(3);
  });

  it('drop-newest refuses arrivals at a full queue and counts them', async () => {
    const q = open('drop-newest');
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => q.append(msg(n))));
    expect(outcomes).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
    expect(payloads(q)).toEqual(['1', '2', '3']);
    expect(q.counters.droppedNewest).toBe(2);
  });

  it('back-pressure holds an append until an ack makes room', async () => {
    const q = open('back-pressure');
    await Promise.all([1, 2, 3].map((n) => q.append(msg(n))));
    let settled = false;
    const fourth = q.append(msg(4)).then((o) => {
      settled = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(q.counters.backPressureWaits).toBe(1);
    q.ack(q.readAfter(0, 1)[0]!.seq);
    expect(await fourth).toBe('queued');
    expect(payloads(q)).toEqual(['2', '3', '4']);
    expect(q.counters.droppedOldest + q.counters.droppedNewest).toBe(0);
  });
});
