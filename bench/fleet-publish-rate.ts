/**
 * QoS 0 publish rate per core: Squall's lean engine vs mqtt.js, each in a fresh child process
 * publishing to a stand-in broker in another process that discards everything (so the client
 * is what is measured). Rate per core = PUBLISH packets / CPU seconds (user + system) of the
 * client process; the wall-clock rate is reported too.
 *
 *   npm run bench:fleet-publish-rate      # FLEET_BENCH_DEVICES=1000, 64-byte payloads, 5 s
 *   → bench/results/fleet-publish-rate.json          (target: ≥ 50,000/s per core)
 */
import { fileURLToPath } from 'node:url';
import { DeviceEngine } from '../simulator/device-engine.js';
import { resolveEngineConfig } from '../simulator/engine-config.js';
import { forkSelf, machine, nextMessage, writeResult } from './fleet-bench-support.js';

const SELF = fileURLToPath(import.meta.url);
const DEVICES = Number(process.env.FLEET_BENCH_DEVICES ?? 1000);
const SECONDS = Number(process.env.FLEET_BENCH_SECONDS ?? 5);
const INTERVAL_MS = Number(process.env.FLEET_BENCH_INTERVAL_MS ?? 10);
const PAYLOAD_BYTES = 64;

interface Measured {
  variant: string;
  devices: number;
  seconds: number;
  published: number;
  wallRatePerS: number;
  cpuSeconds: number;
  ratePerCoreS: number;
}

async function window(variant: string, published: () => number): Promise<Measured> {
  await new Promise((r) => setTimeout(r, 1000)); // warm up
  const p0 = published();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const n = published() - p0;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    variant,
    devices: DEVICES,
    seconds: Math.round(wallS * 10) / 10,
    published: n,
    wallRatePerS: Math.round(n / wallS),
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    ratePerCoreS: Math.round(n / cpuSeconds),
  };
}

async function lean(port: number): Promise<Measured> {
  const engine = new DeviceEngine(
    resolveEngineConfig({
      broker: { host: '127.0.0.1', port },
      connectRatePerS: 10_000,
      groups: [
        {
          count: DEVICES,
          telemetry: { intervalMs: INTERVAL_MS, qos: 0, payloadBytes: PAYLOAD_BYTES, topic: 't/{index}' },
        },
      ],
    }),
  );
  engine.start();
  await engine.waitConnected(DEVICES, 60_000);
  return window('squall-lean', () => engine.metrics.total.published);
}

async function mqttjs(port: number): Promise<Measured> {
  const mqtt = await import('mqtt');
  let published = 0;
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  await Promise.all(
    Array.from(
      { length: DEVICES },
      (_, i) =>
        new Promise<void>((resolve) => {
          const c = mqtt.connect({ host: '127.0.0.1', port, clientId: `m${i}`, reconnectPeriod: 0 });
          c.once('connect', () => {
            // MQTTX CLI's bench model: one client and one timer per device.
            setInterval(() => {
              payload.writeUInt32BE(published >>> 0, 0);
              c.publish(`t/${i}`, payload, { qos: 0 });
              published++;
            }, INTERVAL_MS);
            resolve();
          });
        }),
    ),
  );
  return window('mqtt.js', () => published);
}

const role = process.env.FLEET_BENCH_ROLE;
if (role === 'lean' || role === 'mqttjs') {
  const port = Number(process.env.FLEET_BENCH_PORT);
  process.send!(role === 'lean' ? await lean(port) : await mqttjs(port));
  await new Promise((r) => setTimeout(r, 60_000));
} else {
  const results: Measured[] = [];
  for (const variant of ['lean', 'mqttjs']) {
    const broker = forkSelf(
      SELF.replace(/fleet-publish-rate\.(ts|js)$/, 'fleet-fake-broker-child.$1'),
      'fake',
    );
    const { port } = await nextMessage<{ port: number }>(broker);
    const child = forkSelf(SELF, variant, { FLEET_BENCH_PORT: String(port) });
    const r = await nextMessage<Measured>(child);
    child.kill('SIGKILL');
    broker.kill('SIGKILL');
    results.push(r);
    console.log(
      `${r.variant.padEnd(12)} ${r.published} QoS 0 publishes in ${r.seconds} s: ${r.wallRatePerS}/s wall, ` +
        `${r.cpuSeconds} CPU s → ${r.ratePerCoreS}/s per core`,
    );
  }
  const [leanR, mqttR] = results as [Measured, Measured];
  const path = writeResult('fleet-publish-rate', {
    bench: 'fleet-publish-rate',
    date: new Date().toISOString(),
    machine: machine(),
    setup: {
      devices: DEVICES,
      intervalMs: INTERVAL_MS,
      payloadBytes: PAYLOAD_BYTES,
      qos: 0,
      seconds: SECONDS,
    },
    results,
    ratioPerCore: Math.round((leanR.ratePerCoreS / mqttR.ratePerCoreS) * 10) / 10,
    target: { ratePerCoreS: 50_000, measured: leanR.ratePerCoreS, met: leanR.ratePerCoreS >= 50_000 },
  });
  console.log(
    `lean / mqtt.js per core: ${Math.round((leanR.ratePerCoreS / mqttR.ratePerCoreS) * 10) / 10}× → ${path}`,
  );
  process.exit(0);
}
