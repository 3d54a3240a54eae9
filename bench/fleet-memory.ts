/**
 * Memory per idle connected device: Squall's lean engine vs one mqtt.js client per device,
 * both against the same aedes broker in its own process, each variant in a fresh child process
 * with `--expose-gc` (heap measured after forced GCs, before vs after connecting).
 *
 *   npm run bench:fleet-memory            # 10k devices (FLEET_BENCH_DEVICES to change)
 *   → bench/results/fleet-memory.json
 *
 * Targets (issue 3): ≤ 1.5 KB heap and ≤ 6 KB RSS per lean device, ≥ 8× less heap than mqtt.js.
 * Anchor: emqtt-bench ≈ 8.3 KB/client (--lowmem), 27 KB default.
 */
import { fileURLToPath } from 'node:url';
import { DeviceEngine } from '../simulator/device-engine.js';
import { resolveEngineConfig } from '../simulator/engine-config.js';
import { forkSelf, gcSettle, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const SELF = fileURLToPath(import.meta.url);
const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 10_000);
const SOURCE_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

interface Measured {
  variant: string;
  devices: number;
  connected: number;
  connectMs: number;
  heapBytesPerDevice: number;
  externalBytesPerDevice: number;
  rssBytesPerDevice: number;
  heapUsedMb: { before: number; after: number };
  rssMb: { before: number; after: number };
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

async function measure(variant: string, connect: () => Promise<number>): Promise<Measured> {
  await gcSettle();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const connected = await connect();
  const connectMs = Math.round(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 2000)); // let handshakes and buffers settle
  await gcSettle();
  const after = process.memoryUsage();
  const per = (a: number, b: number) => Math.round((a - b) / DEVICES);
  return {
    variant,
    devices: DEVICES,
    connected,
    connectMs,
    heapBytesPerDevice: per(after.heapUsed, before.heapUsed),
    externalBytesPerDevice: per(after.external + after.arrayBuffers, before.external + before.arrayBuffers),
    rssBytesPerDevice: per(after.rss, before.rss),
    heapUsedMb: { before: mb(before.heapUsed), after: mb(after.heapUsed) },
    rssMb: { before: mb(before.rss), after: mb(after.rss) },
  };
}

async function lean(port: number): Promise<Measured> {
  let engine: DeviceEngine | undefined;
  const result = await measure('squall-lean', async () => {
    engine = new DeviceEngine(
      resolveEngineConfig({
        broker: { host: '127.0.0.1', port },
        connectRatePerS: 5000,
        maxInflightConnects: 500,
        localAddresses: SOURCE_ADDRESSES,
        groups: [{ count: DEVICES, keepaliveS: 300, clientId: 'lean-{index}' }],
      }),
    );
    engine.start();
    await engine.waitConnected(DEVICES, 300_000);
    return engine.connected;
  });
  void engine;
  return result;
}

async function mqttjs(port: number): Promise<Measured> {
  const mqtt = await import('mqtt');
  const clients: unknown[] = [];
  return measure('mqtt.js', async () => {
    let connected = 0;
    const batch = 500;
    for (let i = 0; i < DEVICES; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, DEVICES - i) }, (_, k) => {
          const index = i + k;
          return new Promise<void>((resolve, reject) => {
            const c = mqtt.connect({
              host: '127.0.0.1',
              port,
              clientId: `mqttjs-${index}`,
              keepalive: 300,
              reconnectPeriod: 0, // (mqtt.js drops `localAddress`: it connects from 127.0.0.1)
            });
            clients.push(c);
            c.once('connect', () => {
              connected++;
              resolve();
            });
            c.once('error', reject);
          });
        }),
      );
    }
    return connected;
  });
}

const role = process.env.FLEET_BENCH_ROLE;
if (role === 'lean' || role === 'mqttjs') {
  const port = Number(process.env.FLEET_BENCH_PORT);
  const result = role === 'lean' ? await lean(port) : await mqttjs(port);
  process.send!(result);
  await new Promise((r) => setTimeout(r, 60_000)); // the parent kills us
} else {
  const broker = forkSelf(SELF.replace(/fleet-memory\.(ts|js)$/, 'fleet-broker-child.$1'), 'broker');
  const { port } = await nextMessage<{ port: number }>(broker);
  const results: Measured[] = [];
  for (const variant of ['lean', 'mqttjs']) {
    const child = forkSelf(SELF, variant, { FLEET_BENCH_PORT: String(port) });
    const r = await nextMessage<Measured>(child);
    child.kill('SIGKILL');
    results.push(r);
    console.log(
      `${r.variant.padEnd(12)} ${r.connected}/${r.devices} connected in ${r.connectMs} ms: ` +
        `heap ${r.heapBytesPerDevice} B/device, external ${r.externalBytesPerDevice} B/device, RSS ${r.rssBytesPerDevice} B/device`,
    );
    await new Promise((res) => setTimeout(res, 3000)); // the broker drops the killed child's sessions
  }
  broker.kill('SIGKILL');
  const [leanR, mqttR] = results as [Measured, Measured];
  const summary = {
    bench: 'fleet-memory',
    date: new Date().toISOString(),
    machine: machine(),
    devices: DEVICES,
    results,
    heapRatio: Math.round((mqttR.heapBytesPerDevice / leanR.heapBytesPerDevice) * 10) / 10,
    targets: {
      heapBytesPerDevice: {
        target: 1536,
        measured: leanR.heapBytesPerDevice,
        met: leanR.heapBytesPerDevice <= 1536,
      },
      rssBytesPerDevice: {
        target: 6144,
        measured: leanR.rssBytesPerDevice,
        met: leanR.rssBytesPerDevice <= 6144,
      },
      heapRatioVsMqttJs: {
        target: 8,
        measured: mqttR.heapBytesPerDevice / leanR.heapBytesPerDevice,
        met: mqttR.heapBytesPerDevice / leanR.heapBytesPerDevice >= 8,
      },
    },
  };
  console.log(`heap ratio mqtt.js / lean: ${summary.heapRatio}×  → ${writeResult('fleet-memory', summary)}`);
  process.exit(0);
}
