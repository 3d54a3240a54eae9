/**
 * A million idle connected devices from this one machine: Squall's own fleet (createFleet,
 * sharded over child processes, each below the 20,000 open-files limit, each on its own
 * loopback source addresses) against a sharded minimal CONNACK server (fleet-1m-server.ts, one
 * process and port per client shard: `shardBrokers`). It measures the time to connect all,
 * memory per device over every client process (RSS and PSS; heap through fleet-1m-heap-probe),
 * the server side and the kernel's socket memory separately, and the CPU that keepalive costs
 * while idle. If the machine cannot hold them all, the ramp stops and the largest count held is
 * reported with the reason (memory, a shard crash, a stall with its failure causes, time).
 *
 *   npm run bench:fleet-1m                       # FLEET_1M_DEVICES (1,000,000), compiled JS
 *   FLEET_1M_DEVICES=100000 npm run bench:fleet-1m   # the dry run
 *   → bench/results/fleet-1m.json (fleet-1m-<n>.json for other counts)
 *
 * Other knobs: FLEET_1M_PER_SHARD (18,000), FLEET_1M_KEEPALIVE_S (60), FLEET_1M_IDLE_S (120),
 * FLEET_1M_IN_FLIGHT (handshakes per shard, 128), FLEET_1M_CONNECT_BUDGET_S (600),
 * FLEET_1M_MIN_AVAILABLE_MB (stop the ramp below this much free memory, 2048),
 * FLEET_1M_SEMI_SPACE_MB (V8 young-generation semi-space of every process, 1).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createFleet, type Fleet } from '../simulator/fleet.js';
import { type MemoryReading, type Processes, perDevice, readMemory } from './fleet-1m-memory.js';
import {
  cpuSeconds,
  ephemeralPortRange,
  fileLimits,
  memAvailableMb,
  socketSlabBytes,
  sockStat,
  sumMemory,
} from './fleet-1m-proc.js';
import type { ServerMessage } from './fleet-1m-server.js';
import { forkSelf, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const HERE = fileURLToPath(import.meta.url);
const sibling = (name: string) => HERE.replace(/fleet-1m\.(ts|js)$/, `${name}.$1`);
const env = process.env;
const DEVICES = Number(env.FLEET_1M_DEVICES ?? 1_000_000);
const PER_SHARD = Number(env.FLEET_1M_PER_SHARD ?? 18_000);
const KEEPALIVE_S = Number(env.FLEET_1M_KEEPALIVE_S ?? 60);
const IDLE_S = Number(env.FLEET_1M_IDLE_S ?? 120);
const IN_FLIGHT = Number(env.FLEET_1M_IN_FLIGHT ?? 128);
const CONNECT_BUDGET_S = Number(env.FLEET_1M_CONNECT_BUDGET_S ?? 600);
const MIN_AVAILABLE_MB = Number(env.FLEET_1M_MIN_AVAILABLE_MB ?? 2048);
const SEMI_SPACE_MB = Number(env.FLEET_1M_SEMI_SPACE_MB ?? 1);
const STALL_S = 60;
const TARGET_RSS_BYTES_PER_DEVICE = 3584;
/** 127.0.0.2–127.0.0.254: every shard its own few, so no two compete for one address's ports. */
const LOOPBACK_SOURCES = Array.from({ length: 253 }, (_, i) => `127.0.0.${2 + i}`);

const shardCount = Math.ceil(DEVICES / PER_SHARD);
const addressesPerShard = Math.min(4, Math.floor(LOOPBACK_SOURCES.length / shardCount));
const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
const elapsedS = (t0: number) => round((performance.now() - t0) / 1000, 1);

// ── cleanup: every child by pid, the port range if it was widened, even on failure ──────
const servers: ChildProcess[] = [];
let fleet: Fleet | undefined;
let restorePortRange: string | undefined;
const probeDir = mkdtempSync(join(tmpdir(), 'squall-fleet-1m-'));

function cleanup(): void {
  for (const pid of fleet?.shardPids() ?? []) killQuietly(pid);
  for (const s of servers) if (s.pid) killQuietly(s.pid);
  if (restorePortRange) {
    execFileSync('sysctl', ['-q', '-w', `net.ipv4.ip_local_port_range=${restorePortRange}`]);
    restorePortRange = undefined;
  }
  rmSync(probeDir, { recursive: true, force: true });
}
function killQuietly(pid: number): void {
  if (!(pid > 0)) return; // never 0 or -1 (a process group, every process)
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** Each source address takes PER_SHARD / addressesPerShard ports; widen the range if it is near full. */
function ensurePortRange(): { range: [number, number]; widened: boolean } {
  const [lo, hi] = ephemeralPortRange();
  const perAddress = Math.ceil(PER_SHARD / addressesPerShard);
  if (perAddress <= (hi - lo) * 0.8) return { range: [lo, hi], widened: false };
  restorePortRange = `${lo} ${hi}`;
  execFileSync('sysctl', ['-q', '-w', 'net.ipv4.ip_local_port_range=1024 65535']);
  return { range: ephemeralPortRange(), widened: true };
}

async function startServers(): Promise<number[]> {
  for (let i = 0; i < shardCount; i++) servers.push(forkSelf(sibling('fleet-1m-server'), 'server'));
  return Promise.all(servers.map(async (s) => (await nextMessage<ServerMessage & { t: 'port' }>(s)).port));
}

/** Connections the servers hold; a server that does not answer within 60 s (a loaded machine) is left out and counted. */
async function serverConnections(): Promise<{ connections: number; unanswered: number }> {
  const replies = await Promise.allSettled(
    servers.map((s) => {
      const reply = nextMessage<ServerMessage & { t: 'open' }>(s, 60_000);
      s.send('open');
      return reply.then((m) => m.open);
    }),
  );
  let connections = 0;
  let unanswered = 0;
  for (const r of replies) {
    if (r.status === 'fulfilled') connections += r.value;
    else unanswered++;
  }
  return { connections, unanswered };
}

const processes = (): Processes => ({
  clientPids: fleet!.shardPids(),
  serverPids: servers.map((s) => s.pid!),
  probeDir,
  serverConnections,
});

type Stop = 'all connected' | 'memory' | 'shard crashed' | 'stalled' | 'time';

async function main(): Promise<void> {
  const limits = fileLimits();
  if (PER_SHARD + 500 > limits.perProcessSoft)
    throw new Error(
      `FLEET_1M_PER_SHARD ${PER_SHARD} does not fit the open-files limit ${limits.perProcessSoft}`,
    );
  if (shardCount > LOOPBACK_SOURCES.length)
    throw new Error(`${shardCount} shards: more than 253 source addresses`);
  const ports = ensurePortRange();
  const loadAtStart = round(loadavg()[0]!, 2);
  const slab0 = socketSlabBytes();
  const sock0 = sockStat();
  // Every process the bench forks (servers, shards) loads the heap probe and the V8 flags.
  env.FLEET_1M_PROBE_DIR = probeDir;
  env.NODE_OPTIONS = [
    env.NODE_OPTIONS ?? '',
    `--import=${pathToFileURL(sibling('fleet-1m-heap-probe')).href}`,
    `--max-semi-space-size=${SEMI_SPACE_MB}`,
  ]
    .join(' ')
    .trim();
  console.log(
    `fleet-1m: ${DEVICES} devices, ${shardCount} shards × ≤${PER_SHARD}, ${shardCount} servers, ${addressesPerShard} source addresses per shard, load ${loadAtStart}`,
  );

  const serverPorts = await startServers();
  await sleep(1000);
  const serverBaselineRssMb = sumMemory(servers.map((s) => s.pid!)).rssKb / 1024;
  const sources = LOOPBACK_SOURCES.slice(0, shardCount * addressesPerShard);
  let crash: unknown;
  fleet = createFleet(
    {
      engine: {
        broker: { host: '127.0.0.1', port: serverPorts[0]! },
        connectRatePerS: Number.POSITIVE_INFINITY,
        maxInflightConnects: IN_FLIGHT,
        connectTimeoutMs: 60_000,
        localAddresses: sources,
        groups: [{ count: DEVICES, keepaliveS: KEEPALIVE_S, clientId: 'm{index}' }],
      },
      sink: false,
      shards: shardCount,
      shardBrokers: serverPorts.map((port) => ({ host: '127.0.0.1', port })),
    },
    { onShardCrash: (c) => (crash ??= c) },
  );

  // ── ramp ─────────────────────────────────────────────────────────────────────────────
  const tSpawn = performance.now();
  await fleet.start();
  const spawnS = elapsedS(tSpawn);
  // The shards' own cost before their devices: sampled as soon as they run (few devices yet).
  const t0 = performance.now();
  const early = fleet.snapshot().connected;
  const b = sumMemory(fleet.shardPids());
  const baseline = {
    clientRssMb: b.rssKb / 1024,
    clientPssMb: b.pssKb / 1024,
    serverRssMb: serverBaselineRssMb,
    devicesAtSample: early,
  };
  const samples: Array<{
    s: number;
    connected: number;
    connecting: number;
    backoff: number;
    memAvailableMb: number;
    load: number;
  }> = [];
  const reached: Record<string, number> = {};
  let stop: Stop | undefined;
  let lastProgress = { at: performance.now(), connected: 0 };
  let minAvailableMb = Number.POSITIVE_INFINITY;
  while (!stop) {
    await sleep(2000);
    const snap = fleet.snapshot();
    const avail = memAvailableMb();
    minAvailableMb = Math.min(minAvailableMb, avail);
    samples.push({
      s: elapsedS(t0),
      connected: snap.connected,
      connecting: snap.connecting,
      backoff: snap.backoff,
      memAvailableMb: avail,
      load: round(loadavg()[0]!, 2),
    });
    for (const q of [0.5, 0.9, 0.99])
      if (reached[q] === undefined && snap.connected >= DEVICES * q) reached[q] = elapsedS(t0);
    if (snap.connected > lastProgress.connected)
      lastProgress = { at: performance.now(), connected: snap.connected };
    if (snap.connected >= DEVICES) stop = 'all connected';
    else if (avail < MIN_AVAILABLE_MB) stop = 'memory';
    else if (crash) stop = 'shard crashed';
    else if (performance.now() - lastProgress.at > STALL_S * 1000) stop = 'stalled';
    else if (elapsedS(t0) > CONNECT_BUDGET_S) stop = 'time';
    if (samples.length % 5 === 0 || stop)
      console.log(
        `  ${elapsedS(t0)} s: ${snap.connected} connected, ${snap.connecting} connecting, ${snap.backoff} in backoff, ${avail} MB available`,
      );
  }
  const connectS = elapsedS(t0);
  const atStop = fleet.snapshot();
  console.log(`stopped: ${stop} at ${atStop.connected}/${DEVICES} after ${connectS} s`);

  // ── memory, then the idle keepalive window ─────────────────────────────────────────────
  if (stop === 'all connected') await sleep(10_000); // the last handshakes' buffers settle
  const memory = await readMemory(processes(), fleet.snapshot().connected);
  let keepalive: Record<string, unknown> | undefined;
  let memoryAfterIdle: MemoryReading | undefined;
  /** Writes what is known so far: a later failure still leaves the ramp and the memory. */
  const summarize = () => {
    const per = perDevice(memory, baseline, slab0);
    const perAfterIdle = memoryAfterIdle && perDevice(memoryAfterIdle, baseline, slab0);
    console.log(`memory at ${memory.devicesConnected}: ${JSON.stringify(memory)}`);
    console.log(`per device: ${JSON.stringify(per)}`);
    const failures = atStop.failures.slice(0, 10);
    const name = DEVICES === 1_000_000 ? 'fleet-1m' : `fleet-1m-${DEVICES}`;
    const held = memory.devicesConnected;
    return writeResult(name, {
      bench: 'fleet-1m',
      date: new Date().toISOString(),
      machine: {
        ...machine(),
        loadavg1AtStart: loadAtStart,
        loadavg1AtEnd: round(loadavg()[0]!, 2),
        openFiles: limits,
        ephemeralPorts: ports,
      },
      setup: {
        devices: DEVICES,
        clientShards: shardCount,
        devicesPerShard: PER_SHARD,
        serverProcesses: shardCount,
        server:
          'bench/fleet-1m-server.ts: one process and port per client shard (shardBrokers), CONNECT → CONNACK, PINGREQ → PINGRESP, nothing else',
        sourceAddresses: `${sources[0]}–${sources.at(-1)} (${sources.length}; ${addressesPerShard} per shard, ≤${Math.ceil(PER_SHARD / addressesPerShard)} ports each)`,
        keepaliveS: KEEPALIVE_S,
        handshakesInFlightPerShard: IN_FLIGHT,
        v8: `--max-semi-space-size=${SEMI_SPACE_MB} in every process`,
        engine: 'createFleet (simulator/fleet.ts), compiled JS, sink: false, no telemetry: idle devices',
      },
      outcome: {
        target: DEVICES,
        held,
        stoppedBecause: stop,
        ...(stop !== 'all connected' && {
          atStop: {
            connected: atStop.connected,
            connecting: atStop.connecting,
            backoff: atStop.backoff,
            failures,
            crash,
            minAvailableMb,
          },
        }),
      },
      connect: {
        spawnShardsS: spawnS,
        connectS,
        connectsPerS: round(atStop.connected / connectS),
        secondsTo: { '50%': reached[0.5], '90%': reached[0.9], '99%': reached[0.99] },
        attempts: atStop.totals.connect_attempts,
        failures,
      },
      memory: {
        baseline: {
          ...baseline,
          clientRssMb: round(baseline.clientRssMb, 1),
          clientPssMb: round(baseline.clientPssMb, 1),
          serverRssMb: round(baseline.serverRssMb, 1),
        },
        afterConnect: memory,
        afterIdle: memoryAfterIdle,
        kernelBefore: {
          ...sock0,
          socketSlabMb: Object.fromEntries(Object.entries(slab0).map(([k, v]) => [k, mb(v)])),
        },
      },
      perDevice: { afterConnect: per, afterIdle: perAfterIdle },
      keepalive,
      targets: {
        clientRssBytesPerDevice: {
          target: TARGET_RSS_BYTES_PER_DEVICE,
          measured: (perAfterIdle ?? per).clientRssBytes,
          met: (perAfterIdle ?? per).clientRssBytes <= TARGET_RSS_BYTES_PER_DEVICE,
        },
      },
      ramp: samples,
    });
  };
  summarize();
  if (stop === 'all connected') {
    const clientPids = fleet.shardPids();
    const serverPids = servers.map((s) => s.pid!);
    const before = {
      snap: fleet.snapshot(),
      client: cpuSeconds(clientPids),
      server: cpuSeconds(serverPids),
      controller: cpuSeconds([process.pid]),
      t: performance.now(),
    };
    console.log(`idle ${IDLE_S} s with keepalive ${KEEPALIVE_S} s ...`);
    await sleep(IDLE_S * 1000);
    const after = {
      snap: fleet.snapshot(),
      client: cpuSeconds(clientPids),
      server: cpuSeconds(serverPids),
      controller: cpuSeconds([process.pid]),
      t: performance.now(),
    };
    const minutes = (after.t - before.t) / 60_000;
    const delta = (k: string) => (after.snap.totals[k] ?? 0) - (before.snap.totals[k] ?? 0);
    keepalive = {
      idleS: round(minutes * 60, 1),
      keepaliveS: KEEPALIVE_S,
      pings: delta('pings'),
      pingsPerS: round(delta('pings') / (minutes * 60)),
      disconnectsWhileIdle: delta('disconnects'),
      connectedAtEnd: after.snap.connected,
      clientCpuSecondsPerMinute: round((after.client - before.client) / minutes, 2),
      clientCoresBusy: round((after.client - before.client) / (minutes * 60), 3),
      serverCpuSecondsPerMinute: round((after.server - before.server) / minutes, 2),
      controllerCpuSecondsPerMinute: round((after.controller - before.controller) / minutes, 2),
      clientCpuMicrosecondsPerPing: round(
        ((after.client - before.client) / Math.max(1, delta('pings'))) * 1e6,
        1,
      ),
    };
    console.log(`keepalive: ${JSON.stringify(keepalive)}`);
    memoryAfterIdle = await readMemory(processes(), after.snap.connected);
  }
  const path = summarize();
  console.log(`→ ${path}`);
}

try {
  await main();
} finally {
  cleanup();
}
process.exit(0);
