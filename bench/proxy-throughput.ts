/**
 * bench/proxy-throughput: bytes per second through the built-in fault proxy (no toxics, and
 * with a 0 ms latency toxic in the path) versus a plain Node pipe proxy (`client.pipe(upstream)`
 * both ways), the cheapest TCP relay Node offers. Each variant sends MB megabytes from a client
 * through the relay to a sink on loopback; variants alternate for ROUNDS rounds and the
 * overhead is the median over rounds of each round's ratio to the plain pipe (2 shared cores:
 * single runs are noisy, and the load drifts between rounds).
 * Target: fault-proxy overhead ≤ 10% versus the plain pipe. Writes bench/results/proxy-throughput.json.
 *
 *   npm run bench:proxy-throughput
 */
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { findPackageRoot } from '../agents/proto/load.js';
import { createFaultProxy } from '../agents/proxy/fault-proxy.js';

const MB = Number(process.env.MB ?? 128);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const TARGET_OVERHEAD = 0.1;

interface Relay {
  port: number;
  close(): Promise<void>;
}

async function sink(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('data', () => {});
    s.on('end', () => s.end());
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function plainPipe(upstreamPort: number): Promise<Relay> {
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function faultProxy(upstreamPort: number, withToxic: boolean): Promise<Relay> {
  const proxy = createFaultProxy({
    name: 'bench',
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${upstreamPort}`,
  });
  const { port } = await proxy.start();
  if (withToxic) proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 0 } });
  return { port, close: () => proxy.stop() };
}

/** Sends `mb` MiB through the relay and waits for the sink's FIN; returns MiB/s. */
async function send(port: number, mb: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const socket = net.connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  socket.resume();
  const t0 = performance.now();
  const total = mb * 16; // 64 KiB chunks
  for (let i = 0; i < total; i++) {
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'close');
  return mb / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const target = await sink();
  const variants: [string, () => Promise<Relay>][] = [
    ['plain-pipe', () => plainPipe(target.port)],
    ['fault-proxy', () => faultProxy(target.port, false)],
    ['fault-proxy+latency0', () => faultProxy(target.port, true)],
  ];
  const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  // Warm-up round, not counted.
  for (const [, make] of variants) {
    const relay = await make();
    await send(relay.port, 32);
    await relay.close();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of variants) {
      const relay = await make();
      samples.get(name)!.push(await send(relay.port, MB));
      await relay.close();
    }
  }
  await target.close();
  // Overhead from each round's own pair (same moment, same load), then the median over rounds:
  // robust to the drift of a shared machine between rounds.
  const plainSamples = samples.get('plain-pipe')!;
  const results = variants.map(([name]) => {
    const mine = samples.get(name)!;
    const ratios = mine.map((v, i) => v / plainSamples[i]!);
    return {
      variant: name,
      mibPerS: Math.round(median(mine)),
      samplesMibPerS: mine.map(Math.round),
      overheadVsPlain: Math.round((1 - median(ratios)) * 1000) / 1000,
    };
  });
  for (const r of results)
    console.log(
      `${r.variant.padEnd(22)} ${String(r.mibPerS).padStart(6)} MiB/s  overhead ${(r.overheadVsPlain * 100).toFixed(1)}%`,
    );
  const proxy = results.find((r) => r.variant === 'fault-proxy')!;
  const out = {
    bench: 'proxy-throughput',
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      memMb: Math.round(totalmem() / 1024 ** 2),
    },
    mibPerRun: MB,
    rounds: ROUNDS,
    targetOverhead: TARGET_OVERHEAD,
    meetsTarget: proxy.overheadVsPlain <= TARGET_OVERHEAD,
    results,
  };
  const dir = join(findPackageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'proxy-throughput.json'), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
