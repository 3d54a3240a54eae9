/**
 * Connect rate: Squall's lean engine vs mqtt.js, each in a fresh child process connecting
 * FLEET_BENCH_DEVICES (10k) devices as fast as possible (1,000 handshakes in flight) to the
 * same aedes broker in its own process. Reports connects/s wall and per client CPU second,
 * and the CONNACK latency percentiles the lean engine records.
 *
 *   npm run bench:fleet-connect-rate   → bench/results/fleet-connect-rate.json
 */
import { fileURLToPath } from 'node:url';
import { percentileMs } from '../engine/core/metrics.js';
import { DeviceEngine } from '../simulator/device-engine.js';
import { resolveEngineConfig } from '../simulator/engine-config.js';
import { forkSelf, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const SELF = fileURLToPath(import.meta.url);
const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 10_000);
const IN_FLIGHT = 1000;
// No source addresses: mqtt.js ignores `localAddress` (its tcp stream builder drops it), so
// both connect from 127.0.0.1; 10k connections fit one address's ephemeral ports.

interface Measured {
  variant: string;
  devices: number;
  connected: number;
  wallMs: number;
  connectsPerS: number;
  cpuSeconds: number;
  connectsPerCoreS: number;
  connackMs?: { p50?: number; p99?: number; max: number };
}

function finish(
  variant: string,
  connected: number,
  t0: number,
  c0: NodeJS.CpuUsage,
): Omit<Measured, 'connackMs'> {
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    variant,
    devices: DEVICES,
    connected,
    wallMs: Math.round(wallMs),
    connectsPerS: Math.round(connected / (wallMs / 1000)),
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    connectsPerCoreS: Math.round(connected / cpuSeconds),
  };
}

async function lean(port: number): Promise<Measured> {
  const engine = new DeviceEngine(
    resolveEngineConfig({
      broker: { host: '127.0.0.1', port },
      connectRatePerS: Number.POSITIVE_INFINITY,
      maxInflightConnects: IN_FLIGHT,
      groups: [{ count: DEVICES, clientId: 'lean-{index}' }],
    }),
  );
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  engine.start();
  await engine.waitConnected(DEVICES, 300_000);
  const base = finish('squall-lean', engine.connected, t0, c0);
  const h = engine.collect().histograms!.connect_latency!;
  return {
    ...base,
    connackMs: { p50: percentileMs(h, 50), p99: percentileMs(h, 99), max: h.maxValue / 1000 },
  };
}

async function mqttjs(port: number): Promise<Measured> {
  const mqtt = await import('mqtt');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let connected = 0;
  const clients: unknown[] = [];
  await new Promise<void>((resolve) => {
    const launch = () => {
      if (next >= DEVICES) return;
      const i = next++;
      const c = mqtt.connect({
        host: '127.0.0.1',
        port,
        clientId: `mqttjs-${i}`,
        reconnectPeriod: 0,
      });
      clients.push(c);
      c.once('connect', () => {
        if (++connected === DEVICES) resolve();
        launch();
      });
    };
    for (let k = 0; k < IN_FLIGHT; k++) launch();
  });
  return finish('mqtt.js', connected, t0, c0);
}

const role = process.env.FLEET_BENCH_ROLE;
if (role === 'lean' || role === 'mqttjs') {
  const port = Number(process.env.FLEET_BENCH_PORT);
  process.send!(role === 'lean' ? await lean(port) : await mqttjs(port));
  await new Promise((r) => setTimeout(r, 60_000));
} else {
  const results: Measured[] = [];
  for (const variant of ['lean', 'mqttjs']) {
    // A fresh broker per variant: neither inherits the other's 10k sessions.
    const broker = forkSelf(SELF.replace(/fleet-connect-rate\.(ts|js)$/, 'fleet-broker-child.$1'), 'broker');
    const { port } = await nextMessage<{ port: number }>(broker);
    const child = forkSelf(SELF, variant, { FLEET_BENCH_PORT: String(port) });
    const r = await nextMessage<Measured>(child);
    child.kill('SIGKILL');
    broker.kill('SIGKILL');
    results.push(r);
    console.log(
      `${r.variant.padEnd(12)} ${r.connected}/${r.devices} in ${r.wallMs} ms: ${r.connectsPerS}/s wall, ` +
        `${r.connectsPerCoreS}/s per client core${r.connackMs ? `, CONNACK p50 ${r.connackMs.p50} ms p99 ${r.connackMs.p99} ms` : ''}`,
    );
    await new Promise((res) => setTimeout(res, 2000));
  }
  const path = writeResult('fleet-connect-rate', {
    bench: 'fleet-connect-rate',
    date: new Date().toISOString(),
    machine: machine(),
    setup: {
      devices: DEVICES,
      inFlight: IN_FLIGHT,
      broker: 'aedes (one process)',
      sourceAddress: '127.0.0.1',
    },
    results,
  });
  console.log(`→ ${path}`);
  process.exit(0);
}
