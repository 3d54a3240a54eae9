/**
 * Connect rate against a minimal CONNACK-only server: how close Squall's lean devices come to
 * raw TCP connects (target: ≥ 85% of raw), with mqtt.js for reference.
 *
 * The server (its own process) is no broker: it accepts, and answers the first chunk of a
 * connection that starts with a CONNECT (0x10) with the fixed CONNACK `20 02 00 00`; nothing
 * else is parsed. Against that one server, each variant runs in a fresh child process and
 * opens FLEET_BENCH_DEVICES (10k) connections, FLEET_BENCH_IN_FLIGHT (1,000) handshakes in
 * flight, spread over the source addresses 127.0.0.2–127.0.0.9:
 *   raw     net.connect; "connected" when the socket connects (no MQTT at all)
 *   lean    createFleet({ sink: false, shards: 0 }), no telemetry; connected on CONNACK
 *   mqtt.js MqttClient over a net.Socket with the same source address; connected on CONNACK
 *   floor   the least any Node client can do for the same exchange: net.Socket with `onread`,
 *           one pre-encoded CONNECT written at connect(), "connected" on the first bytes read
 *           (no parsing, no state): what separates lean from raw that no engine work can remove
 *   c-raw, c-mqtt   the same two exchanges from a C client (bench/native/connect-floor.c, one
 *           epoll loop, no runtime), compiled here with `cc -O2` when a C compiler exists
 *           (skipped, and said so, otherwise): c-mqtt/c-raw is the protocol's own ratio, the
 *           most any client in any language can reach against this server on this machine
 * Connections stay open until the variant is done; then the server resets them all (RST: no
 * TIME_WAIT on the sources), the child is killed, and the server is empty before the next one. FLEET_BENCH_ROUNDS (3) rounds, the order
 * rotated each round (the machine is noisy); medians over rounds, and lean/raw per round.
 *
 *   npm run bench:fleet-connect-raw   → bench/results/fleet-connect-raw.json
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createFleet } from '../simulator/fleet.js';
import { encodeConnect } from '../simulator/packets.js';
import { compileCFloor, type Measured, runC } from './connect-raw-native.js';
import { forkSelf, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const SELF = fileURLToPath(import.meta.url);
const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 10_000);
const IN_FLIGHT = Number(process.env.FLEET_BENCH_IN_FLIGHT ?? 1000);
const ROUNDS = Number(process.env.FLEET_BENCH_ROUNDS ?? 3);
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${2 + i}`);
const NODE_VARIANTS = ['raw', 'lean', 'mqttjs', 'floor'] as const;
const C_VARIANTS = ['c-raw', 'c-mqtt'] as const;
type Variant = (typeof NODE_VARIANTS)[number] | (typeof C_VARIANTS)[number];
const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

interface Row extends Measured {
  round: number;
  /** Server process CPU over the same variant (includes accepting and closing). */
  serverCpuSeconds: number;
  loadavg1: number;
}

type ServerMsg = { t: 'port'; port: number } | { t: 'stats'; open: number; cpuUs: number };

function finish(variant: Variant, connected: number, errors: number, t0: number, c0: NodeJS.CpuUsage) {
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    variant,
    devices: DEVICES,
    connected,
    errors,
    wallMs: Math.round(wallMs),
    connectsPerS: Math.round(connected / (wallMs / 1000)),
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    connectsPerCoreS: Math.round(connected / cpuSeconds),
  } satisfies Measured;
}

// ── server ────────────────────────────────────────────────────────────────────────────────

function server(): void {
  const sockets = new Set<net.Socket>();
  // Between variants the server resets every connection (and any new one): RST leaves no
  // TIME_WAIT, which would otherwise hold the clients' source ports for 60 s and make every
  // later bind() to those addresses search (measured: 7–18 s instead of 0.5 s per 10k).
  let refuse = false;
  const srv = net.createServer((socket) => {
    socket.on('error', () => {});
    if (refuse) {
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.once('data', (chunk: Buffer) => {
      if (chunk[0] === 0x10) socket.write(CONNACK);
    });
    socket.once('close', () => sockets.delete(socket));
  });
  // A backlog above the in-flight cap: an overflowing accept queue would cost SYN retries (1 s).
  srv.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
    process.send!({ t: 'port', port: (srv.address() as net.AddressInfo).port } satisfies ServerMsg),
  );
  process.on('message', (cmd: 'stats' | 'reset' | 'accept') => {
    if (cmd === 'reset') {
      refuse = true;
      for (const s of sockets) s.resetAndDestroy();
    } else if (cmd === 'accept') refuse = false;
    const c = process.cpuUsage();
    process.send!({ t: 'stats', open: sockets.size, cpuUs: c.user + c.system } satisfies ServerMsg);
  });
  process.on('disconnect', () => process.exit(0));
}

// ── clients ───────────────────────────────────────────────────────────────────────────────

/** Keeps IN_FLIGHT attempts going until DEVICES are connected; `open(i, ok, fail)` starts one. */
function drive(open: (i: number, ok: () => void, fail: () => void) => void): Promise<number> {
  return new Promise((resolve) => {
    let next = 0;
    let connected = 0;
    let errors = 0;
    const attempt = (i: number) => {
      let settled = false;
      open(
        i,
        () => {
          if (settled) return;
          settled = true;
          if (++connected === DEVICES) resolve(errors);
          else if (next < DEVICES) attempt(next++);
        },
        () => {
          if (settled) return;
          settled = true;
          errors++;
          attempt(i);
        },
      );
    };
    for (let k = 0; k < IN_FLIGHT && next < DEVICES; k++) attempt(next++);
  });
}

const keep: unknown[] = [];

async function raw(port: number): Promise<Measured> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const errors = await drive((i, ok, fail) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: SOURCES[i % SOURCES.length] });
    keep.push(s);
    s.once('connect', ok);
    s.on('error', fail);
    s.once('close', fail);
  });
  return finish('raw', DEVICES, errors, t0, c0);
}

async function lean(port: number): Promise<Measured> {
  const fleet = createFleet({
    engine: {
      broker: { host: '127.0.0.1', port },
      connectRatePerS: Number.POSITIVE_INFINITY,
      maxInflightConnects: IN_FLIGHT,
      localAddresses: SOURCES,
      groups: [{ count: DEVICES, clientId: 'lean-{index}' }],
    },
    sink: false,
    shards: 0,
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fleet.start();
  // Own poll, every 2 ms (waitConnected polls every 50 ms: up to 5% of a 1 s run).
  await new Promise<void>((resolve) => {
    const poll = () => (fleet.snapshot().connected >= DEVICES ? resolve() : setTimeout(poll, 2));
    poll();
  });
  const r = finish('lean', DEVICES, 0, t0, c0);
  const t = fleet.snapshot().totals;
  return { ...r, errors: (t.connect_attempts ?? DEVICES) - DEVICES };
}

const FLOOR_CONNECT = encodeConnect({ protocolVersion: 4, clientId: 'flor', clean: true, keepalive: 60 });

async function floor(port: number): Promise<Measured> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const errors = await drive((i, ok, fail) => {
    const s = new net.Socket({
      onread: {
        buffer: readBuffer,
        callback: () => {
          ok();
          return true;
        },
      },
    } as net.SocketConstructorOpts);
    keep.push(s);
    s.on('error', fail);
    s.once('close', fail);
    s.connect({ host: '127.0.0.1', port, localAddress: SOURCES[i % SOURCES.length] });
    s.write(FLOOR_CONNECT);
  });
  return finish('floor', DEVICES, errors, t0, c0);
}

async function mqttjs(port: number): Promise<Measured> {
  const { MqttClient } = await import('mqtt');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // mqtt.connect() drops `localAddress`: build the stream ourselves so it gets the same sources.
  const errors = await drive((i, ok, fail) => {
    const c = new MqttClient(
      () => net.connect({ host: '127.0.0.1', port, localAddress: SOURCES[i % SOURCES.length] }),
      { clientId: `mqttjs-${i}`, reconnectPeriod: 0, protocolVersion: 4, keepalive: 60 },
    );
    keep.push(c);
    c.once('connect', ok);
    c.on('error', fail);
    c.once('close', fail);
  });
  return finish('mqttjs', DEVICES, errors, t0, c0);
}

// ── the C floor ───────────────────────────────────────────────────────────────────────────

// ── orchestration ─────────────────────────────────────────────────────────────────────────

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function serverStats(
  srv: ChildProcess,
  cmd: 'stats' | 'reset' | 'accept' = 'stats',
): Promise<{ open: number; cpuUs: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not answer')), 10_000);
    srv.once('message', (m: ServerMsg) => {
      clearTimeout(timer);
      if (m.t === 'stats') resolve(m);
      else reject(new Error('unexpected server message'));
    });
    srv.send(cmd);
  });
}

async function main(): Promise<void> {
  const srv = forkSelf(SELF, 'server');
  const first = await nextMessage<ServerMsg>(srv);
  if (first.t !== 'port') throw new Error('server did not report its port');
  const port = first.port;
  const cFloor = compileCFloor();
  const VARIANTS: Variant[] = [...NODE_VARIANTS, ...(cFloor ? C_VARIANTS : [])];
  const rows: Row[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = VARIANTS.map((_, k) => VARIANTS[(k + round - 1) % VARIANTS.length]!);
    for (const variant of order) {
      const before = await serverStats(srv);
      let child: ChildProcess;
      let r: Measured;
      if (variant === 'c-raw' || variant === 'c-mqtt') {
        const run = runC(cFloor!, variant, port, { devices: DEVICES, inFlight: IN_FLIGHT, sources: SOURCES });
        child = run.child;
        r = await run.result;
      } else {
        child = forkSelf(SELF, variant, { FLEET_BENCH_PORT: String(port) });
        r = await nextMessage<Measured>(child);
      }
      const after = await serverStats(srv);
      await serverStats(srv, 'reset');
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGKILL');
      await exited;
      const row: Row = {
        ...r,
        round,
        serverCpuSeconds: round3((after.cpuUs - before.cpuUs) / 1e6),
        loadavg1: Math.round(loadavg()[0]! * 100) / 100,
      };
      rows.push(row);
      console.log(
        `round ${round} ${variant.padEnd(7)} ${r.connected}/${r.devices} in ${r.wallMs} ms: ` +
          `${r.connectsPerS}/s wall, ${r.connectsPerCoreS}/s per client core ` +
          `(client ${r.cpuSeconds} s CPU, server ${row.serverCpuSeconds} s), ${r.errors} errors, load ${row.loadavg1}`,
      );
      // The server drains every connection before the next variant.
      for (let i = 0; (await serverStats(srv)).open > 0; i++) {
        if (i > 300) throw new Error('server still holds connections after 30 s');
        await new Promise((res) => setTimeout(res, 100));
      }
      await serverStats(srv, 'accept');
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  srv.kill('SIGKILL');

  const of = (v: Variant) => rows.filter((r) => r.variant === v);
  const summarize = (v: Variant) => ({
    connectsPerS: median(of(v).map((r) => r.connectsPerS)),
    connectsPerCoreS: median(of(v).map((r) => r.connectsPerCoreS)),
    wallMs: median(of(v).map((r) => r.wallMs)),
    cpuSeconds: median(of(v).map((r) => r.cpuSeconds)),
    serverCpuSeconds: median(of(v).map((r) => r.serverCpuSeconds)),
  });
  const medians = {
    raw: summarize('raw'),
    lean: summarize('lean'),
    mqttjs: summarize('mqttjs'),
    floor: summarize('floor'),
    ...(cFloor && { cRaw: summarize('c-raw'), cMqtt: summarize('c-mqtt') }),
  };
  const perRound = (a: Variant, b: Variant, key: 'connectsPerS' | 'connectsPerCoreS') =>
    Array.from({ length: ROUNDS }, (_, k) => {
      const x = of(a).find((r) => r.round === k + 1)!;
      const y = of(b).find((r) => r.round === k + 1)!;
      return round3(x[key] / y[key]);
    });
  const leanRawWall = perRound('lean', 'raw', 'connectsPerS');
  const ratios = {
    leanOverRawWall: round3(medians.lean.connectsPerS / medians.raw.connectsPerS),
    leanOverRawWallPerRound: leanRawWall,
    leanOverRawWallMedianOfRounds: median(leanRawWall),
    leanOverRawPerCore: round3(medians.lean.connectsPerCoreS / medians.raw.connectsPerCoreS),
    leanOverRawPerCorePerRound: perRound('lean', 'raw', 'connectsPerCoreS'),
    mqttjsOverRawWall: round3(medians.mqttjs.connectsPerS / medians.raw.connectsPerS),
    leanOverMqttjsWall: round3(medians.lean.connectsPerS / medians.mqttjs.connectsPerS),
    leanOverMqttjsPerCore: round3(medians.lean.connectsPerCoreS / medians.mqttjs.connectsPerCoreS),
    floorOverRawWall: round3(medians.floor.connectsPerS / medians.raw.connectsPerS),
    floorOverRawWallPerRound: perRound('floor', 'raw', 'connectsPerS'),
    floorOverRawPerCore: round3(medians.floor.connectsPerCoreS / medians.raw.connectsPerCoreS),
    leanOverFloorWall: round3(medians.lean.connectsPerS / medians.floor.connectsPerS),
    leanOverFloorPerCore: round3(medians.lean.connectsPerCoreS / medians.floor.connectsPerCoreS),
    ...(cFloor && {
      cMqttOverCRawWall: round3(medians.cMqtt!.connectsPerS / medians.cRaw!.connectsPerS),
      cMqttOverCRawWallPerRound: perRound('c-mqtt', 'c-raw', 'connectsPerS'),
      cMqttOverCRawPerCore: round3(medians.cMqtt!.connectsPerCoreS / medians.cRaw!.connectsPerCoreS),
      leanOverCMqttWall: round3(medians.lean.connectsPerS / medians.cMqtt!.connectsPerS),
    }),
  };
  const target = 0.85;
  console.log('medians', JSON.stringify(medians));
  console.log(
    `lean/raw wall ${ratios.leanOverRawWall} (per round ${leanRawWall.join(', ')}), per core ` +
      `${ratios.leanOverRawPerCore}; target ≥ ${target}: ${ratios.leanOverRawWall >= target ? 'met' : 'NOT met'}`,
  );
  console.log(
    `floor/raw wall ${ratios.floorOverRawWall}, per core ${ratios.floorOverRawPerCore}; ` +
      `lean/floor wall ${ratios.leanOverFloorWall}, per core ${ratios.leanOverFloorPerCore}`,
  );
  if (cFloor)
    console.log(
      `C client: c-mqtt/c-raw wall ${ratios.cMqttOverCRawWall} (per round ${ratios.cMqttOverCRawWallPerRound!.join(', ')}), ` +
        `per core ${ratios.cMqttOverCRawPerCore}; lean/c-mqtt wall ${ratios.leanOverCMqttWall}`,
    );
  const path = writeResult('fleet-connect-raw', {
    bench: 'fleet-connect-raw',
    date: new Date().toISOString(),
    machine: machine(),
    setup: {
      devices: DEVICES,
      inFlight: IN_FLIGHT,
      rounds: ROUNDS,
      order: `rotated each round: ${VARIANTS.join(',')} / then starting one later / ...`,
      server:
        'one child process, net.Server (backlog 4096), CONNECT → fixed CONNACK 20 02 00 00; ' +
        'after each variant it resets (RST) every connection, so no source port stays in TIME_WAIT',
      sourceAddresses: SOURCES,
      connected: {
        raw: "net.Socket 'connect'",
        lean: 'CONNACK (createFleet, sink: false, shards: 0, no telemetry)',
        mqttjs: "CONNACK (MqttClient 'connect')",
        floor: 'first bytes read after a pre-encoded CONNECT written at connect() (no engine)',
        'c-raw': cFloor
          ? 'C client (bench/native/connect-floor.c, epoll): connect() completes'
          : 'skipped: no C compiler',
        'c-mqtt': cFloor
          ? 'C client: CONNECT written on connect, first bytes read'
          : 'skipped: no C compiler',
      },
      perCore: 'connects / client process CPU seconds (user + system)',
    },
    target: { leanOverRawWall: target, met: ratios.leanOverRawWall >= target },
    medians,
    ratios,
    rounds: rows,
  });
  console.log(`→ ${path}`);
}

const role = process.env.FLEET_BENCH_ROLE;
if (role === 'server') server();
else if (role === 'raw' || role === 'lean' || role === 'mqttjs' || role === 'floor') {
  const port = Number(process.env.FLEET_BENCH_PORT);
  const run = { raw, lean, mqttjs, floor }[role];
  process.send!(await run(port));
  await new Promise((r) => setTimeout(r, 600_000)); // hold the connections until killed
} else {
  await main();
  process.exit(0);
}
