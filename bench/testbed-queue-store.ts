/**
 * Store-and-forward queue stores for the edge gateway, measured: append (enqueue) and delete
 * (ack) throughput for better-sqlite3 (WAL, synchronous NORMAL and FULL, per message and group
 * commit) against a hand-rolled append-only log. Run: npx tsx bench/testbed-queue-store.ts
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const N = Number(process.env.N ?? 20_000);
const payload = Buffer.alloc(256, 7);
const dir = mkdtempSync(path.join(tmpdir(), 'squall-queue-bench-'));
const results: Record<string, { appendPerS: number; ackPerS: number }> = {};

function rate(n: number, t0: bigint): number {
  return Math.round(n / (Number(process.hrtime.bigint() - t0) / 1e9));
}

for (const [name, sync, batch] of [
  ['sqlite WAL sync=NORMAL, txn per message', 'NORMAL', 1],
  ['sqlite WAL sync=NORMAL, group commit 64', 'NORMAL', 64],
  ['sqlite WAL sync=FULL, txn per message', 'FULL', 1],
  ['sqlite WAL sync=FULL, group commit 64', 'FULL', 64],
] as const) {
  const db = new Database(path.join(dir, `${results ? Object.keys(results).length : 0}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec('CREATE TABLE q (seq INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT, payload BLOB, at INTEGER)');
  const ins = db.prepare('INSERT INTO q (topic, payload, at) VALUES (?, ?, ?)');
  const del = db.prepare('DELETE FROM q WHERE seq = ?');
  const insMany = db.transaction((k: number) => {
    for (let j = 0; j < k; j++) ins.run('fleet/d1/telemetry', payload, Date.now());
  });
  const delMany = db.transaction((from: number, k: number) => {
    for (let j = 0; j < k; j++) del.run(from + j);
  });
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += batch) insMany(batch);
  const appendPerS = rate(N, t0);
  t0 = process.hrtime.bigint();
  for (let i = 1; i <= N; i += batch) delMany(i, batch);
  results[name] = { appendPerS, ackPerS: rate(N, t0) };
  db.close();
}

for (const [name, fsync, batch] of [
  ['append-only log, write per message, no fsync', false, 1],
  ['append-only log, fdatasync per 64', true, 64],
] as const) {
  const fd = openSync(path.join(dir, `${name.length}.log`), 'a');
  const header = Buffer.alloc(16);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    header.writeUInt32LE(payload.length, 0);
    writeSync(fd, Buffer.concat([header, Buffer.from('fleet/d1/telemetry'), payload]));
    if (fsync && i % batch === batch - 1) fdatasyncSync(fd);
  }
  // Acks in a log store are a second append-only "acked up to" record: same cost class.
  results[name] = { appendPerS: rate(N, t0), ackPerS: Number.NaN };
  closeSync(fd);
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ messages: N, payloadBytes: payload.length, results }, null, 2));
