/**
 * bench/fleet-1m.ts's memory readings: RSS and PSS of every client and server process
 * (/proc), their V8 heaps after full GCs (through fleet-1m-heap-probe.ts), the kernel's socket
 * memory, and the same per device.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  memAvailableMb,
  procMemory,
  type SockStat,
  socketSlabBytes,
  sockStat,
  sumMemory,
} from './fleet-1m-proc.js';

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full GC and memoryUsage() in every process (fleet-1m-heap-probe.ts), summed per role. */
async function heapOf(
  probeDir: string,
  pids: number[],
): Promise<{ heapUsed: number; external: number; processes: number }> {
  for (const f of readdirSync(probeDir)) rmSync(join(probeDir, f));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGUSR2');
    } catch {} // gone: its heap is missing from the sum, and `processes` says so
  }
  const want = new Set(pids.map((p) => `${p}.json`));
  for (let i = 0; i < 300 && readdirSync(probeDir).filter((f) => want.has(f)).length < want.size; i++)
    await sleep(100);
  let heapUsed = 0;
  let external = 0;
  let processes = 0;
  for (const f of readdirSync(probeDir)) {
    if (!want.has(f)) continue;
    const m = JSON.parse(readFileSync(join(probeDir, f), 'utf8')) as NodeJS.MemoryUsage;
    heapUsed += m.heapUsed;
    external += m.external;
    processes++;
  }
  return { heapUsed, external, processes };
}

export interface MemoryReading {
  devicesConnected: number;
  client: { processes: number; rssMb: number; pssMb: number; heapUsedMb: number; externalMb: number };
  server: {
    processes: number;
    connections: number;
    unanswered: number;
    rssMb: number;
    pssMb: number;
    heapUsedMb: number;
  };
  controllerRssMb: number;
  kernel: SockStat & { socketSlabMb: Record<string, number> };
  memAvailableMb: number;
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

export interface Processes {
  clientPids: number[];
  serverPids: number[];
  /** The heap probe's folder (fleet-1m-heap-probe.ts). */
  probeDir: string;
  serverConnections(): Promise<{ connections: number; unanswered: number }>;
}

/** Client, server, controller and kernel memory with `devicesConnected` devices up. */
export async function readMemory(p: Processes, devicesConnected: number): Promise<MemoryReading> {
  const { clientPids, serverPids } = p;
  const clientHeap = await heapOf(p.probeDir, clientPids);
  const serverHeap = await heapOf(p.probeDir, serverPids);
  await sleep(500); // the GCs' freed pages leave RSS
  const c = sumMemory(clientPids);
  const s = sumMemory(serverPids);
  const slab = socketSlabBytes();
  return {
    devicesConnected,
    client: {
      processes: c.processes,
      rssMb: round(c.rssKb / 1024, 1),
      pssMb: round(c.pssKb / 1024, 1),
      heapUsedMb: mb(clientHeap.heapUsed),
      externalMb: mb(clientHeap.external),
    },
    server: {
      processes: s.processes,
      ...(await p.serverConnections()),
      rssMb: round(s.rssKb / 1024, 1),
      pssMb: round(s.pssKb / 1024, 1),
      heapUsedMb: mb(serverHeap.heapUsed),
    },
    controllerRssMb: round((procMemory(process.pid)?.rssKb ?? 0) / 1024, 1),
    kernel: {
      ...sockStat(),
      socketSlabMb: Object.fromEntries(Object.entries(slab).map(([k, v]) => [k, mb(v)])),
    },
    memAvailableMb: memAvailableMb(),
  };
}

/** Per device: in all, and above the processes' at-start sample. */
export function perDevice(
  m: MemoryReading,
  baseline: { clientRssMb: number; clientPssMb: number; serverRssMb: number },
  slab0: Record<string, number>,
) {
  const n = Math.max(1, m.devicesConnected);
  const bytes = (megabytes: number) => Math.round((megabytes * 2 ** 20) / n);
  const slabNow = Object.values(m.kernel.socketSlabMb).reduce((a, b) => a + b, 0);
  const slabBefore = Object.values(slab0).reduce((a, b) => a + b, 0) / 2 ** 20;
  return {
    clientRssBytes: bytes(m.client.rssMb),
    clientPssBytes: bytes(m.client.pssMb),
    clientRssAboveBaselineBytes: bytes(m.client.rssMb - baseline.clientRssMb),
    clientPssAboveBaselineBytes: bytes(m.client.pssMb - baseline.clientPssMb),
    clientHeapBytes: bytes(m.client.heapUsedMb),
    serverRssBytes: bytes(m.server.rssMb),
    serverRssAboveBaselineBytes: bytes(m.server.rssMb - baseline.serverRssMb),
    serverHeapBytes: bytes(m.server.heapUsedMb),
    /** Both ends of each loopback connection: a client socket and a server socket. */
    kernelSlabBytesPerConnection: bytes(slabNow - slabBefore),
    kernelBufferPagesPerConnection: round(m.kernel.tcpMemPages / n, 4),
  };
}
