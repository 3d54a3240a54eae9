/**
 * The edge gateway's store-and-forward queue: a bounded FIFO in SQLite (better-sqlite3, WAL).
 * Appends from one event-loop turn are committed together, and a device's PUBACK waits for that
 * commit, so a gateway crash never loses a message the device was told is safe. Store choice
 * and durability levels are measured in testbed/README.md.
 */
import Database from 'better-sqlite3';
import { SquallError } from '../../engine/core/errors.js';

/** What happens to a message arriving at a full queue. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'back-pressure';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'drop-newest', 'back-pressure'];

export interface DiskQueueOptions {
  /** SQLite file; created if missing, resumed if present. */
  file: string;
  /** Bound on queued messages. */
  maxMessages: number;
  overflow: OverflowPolicy;
  /**
   * `process` (default): WAL + synchronous=NORMAL, survives a crash of the gateway process;
   * `power`: synchronous=FULL, also survives a power loss, at ~1/14 of the append rate.
   */
  durability?: 'process' | 'power';
}

export interface NewMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface QueuedMessage extends NewMessage {
  seq: number;
  enqueuedAtMs: number;
}

/** Counters since this process opened the queue. */
export interface DiskQueueCounters {
  enqueued: number;
  acked: number;
  /** Removed by drop-oldest to make room. */
  droppedOldest: number;
  /** Refused by drop-newest. */
  droppedNewest: number;
  /** Appends that had to wait for room under back-pressure. */
  backPressureWaits: number;
}

interface PendingAppend {
  message: NewMessage;
  resolve(outcome: 'queued' | 'dropped'): void;
  reject(error: Error): void;
}

export class DiskQueue {
  readonly #db: Database.Database;
  readonly #options: Required<DiskQueueOptions>;
  readonly #insert: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #dropOldest: Database.Statement;
  readonly #readAfter: Database.Statement;
  readonly #oldest: Database.Statement;
  readonly #commit: (appends: PendingAppend[], acks: number[]) => ('queued' | 'dropped')[];
  #depth: number;
  #pending: PendingAppend[] = [];
  #acks: number[] = [];
  #waiting: PendingAppend[] = [];
  #scheduled = false;
  #closed = false;
  peakDepth: number;
  readonly counters: DiskQueueCounters = {
    enqueued: 0,
    acked: 0,
    droppedOldest: 0,
    droppedNewest: 0,
    backPressureWaits: 0,
  };

  constructor(options: DiskQueueOptions) {
    if (!Number.isInteger(options.maxMessages) || options.maxMessages < 1) {
      throw new SquallError(
        'SQUALL_USAGE',
        `queue maxMessages must be a positive integer, got ${options.maxMessages}`,
      );
    }
    if (!OVERFLOW_POLICIES.includes(options.overflow)) {
      throw new SquallError(
        'SQUALL_USAGE',
        `queue overflow must be one of ${OVERFLOW_POLICIES.join(', ')}, got '${options.overflow}'`,
      );
    }
    this.#options = { durability: 'process', ...options };
    const db = new Database(options.file);
    this.#db = db;
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.#options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
    db.exec(`CREATE TABLE IF NOT EXISTS queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      topic TEXT NOT NULL,
      payload BLOB NOT NULL,
      qos INTEGER NOT NULL,
      retain INTEGER NOT NULL,
      enqueued_at_ms INTEGER NOT NULL)`);
    this.#insert = db.prepare(
      'INSERT INTO queue (topic, payload, qos, retain, enqueued_at_ms) VALUES (?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare('DELETE FROM queue WHERE seq = ?');
    this.#dropOldest = db.prepare(
      'DELETE FROM queue WHERE seq IN (SELECT seq FROM queue ORDER BY seq LIMIT ?)',
    );
    this.#readAfter = db.prepare(
      'SELECT seq, topic, payload, qos, retain, enqueued_at_ms FROM queue WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.#oldest = db.prepare('SELECT enqueued_at_ms FROM queue ORDER BY seq LIMIT 1');
    this.#depth = (db.prepare('SELECT count(*) AS n FROM queue').get() as { n: number }).n;
    this.peakDepth = this.#depth;
    this.#commit = db.transaction((appends: PendingAppend[], acks: number[]) => {
      for (const seq of acks) this.#depth -= this.#delete.run(seq).changes;
      this.counters.acked += acks.length;
      const outcomes: ('queued' | 'dropped')[] = [];
      const now = Date.now();
      for (const { message } of appends) {
        if (this.#depth >= this.#options.maxMessages) {
          if (this.#options.overflow === 'drop-newest') {
            this.counters.droppedNewest++;
            outcomes.push('dropped');
            continue;
          }
          // drop-oldest (back-pressure never gets here: it waits for room before appending).
          const dropped = this.#dropOldest.run(this.#depth - this.#options.maxMessages + 1).changes;
          this.#depth -= dropped;
          this.counters.droppedOldest += dropped;
        }
        this.#insert.run(message.topic, message.payload, message.qos, message.retain ? 1 : 0, now);
        this.#depth++;
        this.counters.enqueued++;
        outcomes.push('queued');
      }
      return outcomes;
    });
  }

  get depth(): number {
    return this.#depth;
  }

  get overflow(): OverflowPolicy {
    return this.#options.overflow;
  }

  get maxMessages(): number {
    return this.#options.maxMessages;
  }

  /**
   * Appends a message. Resolves once it is committed ('queued') or refused by drop-newest
   * ('dropped'); under back-pressure it resolves only when there is room, which holds the
   * device's PUBACK and so slows the device down.
   */
  append(message: NewMessage): Promise<'queued' | 'dropped'> {
    if (this.#closed) return Promise.reject(new SquallError('SQUALL_PROCESS_FAILED', 'queue is closed'));
    return new Promise((resolve, reject) => {
      const entry = { message, resolve, reject };
      if (this.#options.overflow === 'back-pressure' && this.#reserved() >= this.#options.maxMessages) {
        this.counters.backPressureWaits++;
        this.#waiting.push(entry);
        return;
      }
      this.#pending.push(entry);
      this.#schedule();
    });
  }

  /** Removes a message the cloud acknowledged (committed with the next group). */
  ack(seq: number): void {
    if (this.#closed) return;
    this.#acks.push(seq);
    this.#schedule();
  }

  /** Up to `limit` messages after `seq`, oldest first. */
  readAfter(seq: number, limit: number): QueuedMessage[] {
    const rows = this.#readAfter.all(seq, limit) as {
      seq: number;
      topic: string;
      payload: Buffer;
      qos: number;
      retain: number;
      enqueued_at_ms: number;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      topic: r.topic,
      payload: r.payload,
      qos: r.qos as 0 | 1 | 2,
      retain: r.retain === 1,
      enqueuedAtMs: r.enqueued_at_ms,
    }));
  }

  /** Enqueue time of the oldest message, if any. */
  oldestEnqueuedAtMs(): number | undefined {
    return (this.#oldest.get() as { enqueued_at_ms: number } | undefined)?.enqueued_at_ms;
  }

  /** Commits what is pending and closes the file; waiting appends are rejected. */
  close(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    for (const w of this.#waiting.splice(0))
      w.reject(new SquallError('SQUALL_PROCESS_FAILED', 'queue closed'));
    this.#db.close();
  }

  #reserved(): number {
    return this.#depth + this.#pending.length - this.#acks.length;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    const appends = this.#pending;
    const acks = this.#acks;
    this.#pending = [];
    this.#acks = [];
    if (appends.length === 0 && acks.length === 0) return;
    let outcomes: ('queued' | 'dropped')[];
    try {
      outcomes = this.#commit(appends, acks);
    } catch (err) {
      for (const a of appends) a.reject(err as Error);
      return;
    }
    if (this.#depth > this.peakDepth) this.peakDepth = this.#depth;
    for (const [i, a] of appends.entries()) a.resolve(outcomes[i]!);
    // Room freed by acks lets back-pressured appends in, oldest first.
    while (this.#waiting.length > 0 && this.#reserved() < this.#options.maxMessages) {
      this.#pending.push(this.#waiting.shift()!);
      this.#schedule();
    }
  }
}
