/**
 * Session takeover order across workers: aedes closes its client of an id on any other
 * broker's announcement of that id. The emitter drops an announcement older than this worker's
 * own of the same id, so a late announcement cannot close the newer connection.
 */
import { describe, expect, it } from 'vitest';
import { ClusterEmitter, WORKER_MQ_CONCURRENCY } from './cluster-emitter.js';
import { IpcLink } from './ipc-link.js';
import type { WorkerToPrimary } from './protocol.js';

function emitter(sent: unknown[], concurrency = 10) {
  // An in-memory IPC port: the batches this worker would write to the primary.
  const send = (m: unknown) => {
    sent.push(m);
    return true;
  };
  const link = new IpcLink<WorkerToPrimary>({ connected: true, send });
  return new ClusterEmitter(link, concurrency);
}

const announce = (brokerId: string, clientId: string, emittedAtMs: number) => ({
  cmd: 'publish' as const,
  topic: `$SYS/${brokerId}/new/clients`,
  payload: Buffer.from(clientId),
  qos: 0 as const,
  retain: false,
  dup: false,
  emittedAtMs,
});

describe('ClusterEmitter takeover order', () => {
  it('stamps its own announcements and keeps a newer local client against an older remote one', async () => {
    const sent: unknown[] = [];
    const mq = emitter(sent);
    const heard: string[] = [];
    mq.on('$SYS/+/new/clients', (m, done) => {
      heard.push(`${m.topic}:${String(m.payload)}`);
      done();
    });
    const before = Date.now();
    mq.emit({ topic: '$SYS/local/new/clients', payload: Buffer.from('dev-1') } as never);
    await new Promise((r) => setImmediate(r));
    const batch = (sent.flat() as WorkerToPrimary[]).find((m) => m.t === 'emit');
    expect(batch?.t === 'emit' && batch.packet.emittedAtMs).toBeGreaterThanOrEqual(before);

    // Announced elsewhere before ours: stale, it must not reach aedes' closeSameClients.
    mq.deliverRemote(announce('other', 'dev-1', before - 50));
    // Announced after ours: a real takeover, delivered.
    mq.deliverRemote(announce('other', 'dev-1', Date.now() + 50));
    // Another id, or no stamp (a publish from an older worker): delivered as before.
    mq.deliverRemote(announce('other', 'dev-2', before - 50));
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual([
      '$SYS/local/new/clients:dev-1',
      '$SYS/other/new/clients:dev-1',
      '$SYS/other/new/clients:dev-2',
    ]);
  });
});

describe('ClusterEmitter takeover stamps', () => {
  it("stamps with the local connection's accept time; equal times go to the higher broker id; forget() lets a takeover through", async () => {
    const mq = emitter([]);
    const heard: string[] = [];
    mq.on('$SYS/+/new/clients', (m, done) => {
      heard.push(`${m.topic.split('/')[1]}:${String(m.payload)}`);
      done();
    });
    mq.connectedAt = (id) => (id === 'dev-1' ? 1000 : undefined);
    mq.emit({ topic: '$SYS/m/new/clients', payload: Buffer.from('dev-1') } as never);
    mq.deliverRemote(announce('a', 'dev-1', 1000)); // tie, lower id: ours stays
    mq.deliverRemote(announce('z', 'dev-1', 1000)); // tie, higher id: theirs wins
    mq.deliverRemote(announce('a', 'dev-1', 999)); // accepted before ours: stale
    mq.forget('dev-1');
    mq.deliverRemote(announce('a', 'dev-1', 999)); // no local client left to protect
    await new Promise((r) => setImmediate(r));
    expect(heard).toEqual(['m:dev-1', 'z:dev-1', 'a:dev-1']);
  });
});

describe('ClusterEmitter backlog', () => {
  it('drains a backlog behind slow deliveries without recursing (mqemitter queue, RangeError at 1000)', () => {
    // The worker's setting: unbounded concurrency. With a bound, 1,000 deliveries held open
    // then 50,000 publishes nobody here subscribes to overflowed the stack on release.
    const mq = emitter([], WORKER_MQ_CONCURRENCY);
    const held: (() => void)[] = [];
    mq.on('slow/#', (_m, done) => {
      held.push(done);
    });
    let completed = 0;
    for (let i = 0; i < 1000; i++) mq.emit({ topic: 'slow/x', payload: Buffer.alloc(0) } as never);
    for (let i = 0; i < 50_000; i++)
      mq.emit({ topic: 'none/x', payload: Buffer.alloc(0) } as never, () => void completed++);
    expect(() => {
      for (const done of held.splice(0)) done();
    }).not.toThrow();
    expect(completed).toBe(50_000);
  });
});
