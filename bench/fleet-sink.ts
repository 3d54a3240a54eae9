/**
 * Sink accounting throughput, per core:
 *   accounting  decode + SinkAccounting.record on pre-encoded compact payloads for 100k devices
 *               × 10 seqs, in this process (5% of devices see two seqs swapped, 1% duplicates);
 *   wire        one sink connection of the lean engine reading QoS 0 PUBLISH frames that a
 *               stand-in broker in another process streams as fast as the socket drains
 *               (frame parsing + decode + accounting + e2e histogram).
 * Rate per core = messages / CPU seconds of the accounting process.
 *
 *   npm run bench:fleet-sink   → bench/results/fleet-sink.json     (target: ≥ 100,000 msg/s per core)
 */
import { fileURLToPath } from 'node:url';
import { nowMs } from '../simulator/clock.js';
import { createCompactCodec, type PayloadStamp } from '../simulator/payload.js';
import { createSink } from '../simulator/sink.js';
import { SinkAccounting } from '../simulator/sink-accounting.js';
import { forkSelf, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const SELF = fileURLToPath(import.meta.url);
const DEVICES = 100_000;
const SECONDS = Number(process.env.FLEET_BENCH_SECONDS ?? 5);

interface Measured {
  variant: string;
  messages: number;
  cpuSeconds: number;
  ratePerCoreS: number;
  wallRatePerS: number;
  counts: Record<string, number>;
}

function accountingOnly(): Measured {
  const codec = createCompactCodec(64);
  const seqs = 10;
  const n = DEVICES * seqs;
  const payloads = Buffer.alloc(n * 64);
  const order = new Int32Array(n);
  const t = nowMs();
  for (let k = 0; k < n; k++) {
    codec.encodeInto(payloads, k * 64, k % DEVICES, Math.floor(k / DEVICES), t, '');
    order[k] = k;
  }
  // 5% of devices get seqs 3 and 4 swapped (out of order); 1% of messages are sent twice.
  for (let d = 0; d < DEVICES; d += 20) {
    const a = 3 * DEVICES + d;
    const b = 4 * DEVICES + d;
    [order[a], order[b]] = [order[b]!, order[a]!];
  }
  const accounting = new SinkAccounting({
    tenants: ['a'],
    tenantOf: () => 0,
    graceMs: 5000,
    capacity: DEVICES,
  });
  const stamp: PayloadStamp = { index: 0, seq: 0, sendTimeMs: 0 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let messages = 0;
  for (let k = 0; k < n; k++) {
    const at = order[k]! * 64;
    codec.decode(payloads, at, at + 64, stamp);
    accounting.record(stamp.index, stamp.seq, stamp.sendTimeMs, t + 1);
    messages++;
    if (k % 100 === 0) {
      accounting.record(stamp.index, stamp.seq, stamp.sendTimeMs, t + 1);
      messages++;
    }
  }
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  accounting.settle();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const { byTenant: _, ...counts } = accounting.totals();
  return {
    variant: 'accounting',
    messages,
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    ratePerCoreS: Math.round(messages / cpuSeconds),
    wallRatePerS: Math.round(messages / wallS),
    counts,
  };
}

async function wire(port: number): Promise<Measured> {
  const sink = createSink({
    broker: { host: '127.0.0.1', port },
    topic: 't/#',
    qos: 0,
    graceMs: 60_000,
    firstSeq: 'first-seen',
  });
  sink.start();
  await sink.waitReady();
  await new Promise((r) => setTimeout(r, 1000));
  const m0 = sink.engine.metrics.total.received;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const messages = sink.engine.metrics.total.received - m0;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const { byTenant: _, ...counts } = sink.accounting.totals();
  return {
    variant: 'wire',
    messages,
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    ratePerCoreS: Math.round(messages / cpuSeconds),
    wallRatePerS: Math.round(messages / wallS),
    counts,
  };
}

const role = process.env.FLEET_BENCH_ROLE;
if (role === 'wire') {
  process.send!(await wire(Number(process.env.FLEET_BENCH_PORT)));
  await new Promise((r) => setTimeout(r, 60_000));
} else {
  const results: Measured[] = [accountingOnly()];
  const broker = forkSelf(SELF.replace(/fleet-sink\.(ts|js)$/, 'fleet-fake-broker-child.$1'), 'fake', {
    FLEET_FAKE_BLAST: '1',
  });
  const { port } = await nextMessage<{ port: number }>(broker);
  const child = forkSelf(SELF, 'wire', { FLEET_BENCH_PORT: String(port) });
  results.push(await nextMessage<Measured>(child));
  child.kill('SIGKILL');
  broker.kill('SIGKILL');
  for (const r of results) {
    console.log(
      `${r.variant.padEnd(11)} ${r.messages} messages: ${r.ratePerCoreS}/s per core, ${r.wallRatePerS}/s wall ` +
        `(delivered ${r.counts.delivered}, dup ${r.counts.duplicates}, ooo ${r.counts.out_of_order}, lost ${r.counts.lost})`,
    );
  }
  const worst = Math.min(...results.map((r) => r.ratePerCoreS));
  const path = writeResult('fleet-sink', {
    bench: 'fleet-sink',
    date: new Date().toISOString(),
    machine: machine(),
    results,
    target: { ratePerCoreS: 100_000, measured: worst, met: worst >= 100_000 },
  });
  console.log(`→ ${path}`);
  process.exit(0);
}
