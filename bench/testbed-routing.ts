/**
 * Cross-worker routing throughput of the cloud cluster: one subscriber on worker A, publishers
 * on worker B, QoS 1 with a window of in-flight publishes. Compares batched and per-message IPC
 * through the primary, with one plain aedes process as the no-routing baseline.
 * Also mqemitter-redis when redis-server and the package are installed (measurement only).
 * Run: npx tsx bench/testbed-routing.ts (light: ~30 s, 2 cores) → bench/results/testbed-routing.json
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, waitForPort } from '../engine/core/ports.js';
import { startCloudCluster } from '../testbed/cloud/cluster.js';
import { machine, writeResult } from './fleet-bench-support.js';

const DURATION_MS = Number(process.env.DURATION_MS ?? 4000);
const WINDOW = 64;

async function run(url: string, placeOnOther: boolean): Promise<number> {
  const monitor = await mqtt.connectAsync(url, { clientId: 'mon', reconnectPeriod: 0 });
  await monitor.subscribeAsync('$SYS/+/new/clients');
  const workerOf = new Map<string, string>();
  monitor.on('message', (t, p) => workerOf.set(p.toString(), t.split('/')[1]!));
  const sub = await mqtt.connectAsync(url, { clientId: 'sub', reconnectPeriod: 0 });
  await sub.subscribeAsync('bench/#', { qos: 0 });
  let received = 0;
  sub.on('message', () => received++);
  const pubs: MqttClient[] = [];
  for (let i = 0; pubs.length < 2 && i < 10; i++) {
    const c = await mqtt.connectAsync(url, { clientId: `pub${i}`, reconnectPeriod: 0 });
    await new Promise((r) => setTimeout(r, 50));
    if (!placeOnOther || workerOf.get(`pub${i}`) !== workerOf.get('sub')) pubs.push(c);
    else c.end(true);
  }
  const stopAt = Date.now() + DURATION_MS;
  let published = 0;
  await Promise.all(
    pubs.map(async (p, n) => {
      const lanes = Array.from({ length: WINDOW / pubs.length }, async () => {
        while (Date.now() < stopAt) {
          await p.publishAsync(`bench/${n}/t`, Buffer.alloc(64), { qos: 1 });
          published++;
        }
      });
      await Promise.all(lanes);
    }),
  );
  await new Promise((r) => setTimeout(r, 500));
  for (const c of [monitor, sub, ...pubs]) c.end(true);
  if (received < published * 0.99) console.error(`lost: ${published - received} of ${published}`);
  return Math.round(received / (DURATION_MS / 1000));
}

const results: Record<string, number> = {};
{
  const broker = new Aedes();
  await broker.listen();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  results['single aedes process (no routing)'] = await run(`mqtt://127.0.0.1:${port}`, false);
  server.close();
  broker.close();
}
for (const batch of ['1', '0']) {
  process.env.SQUALL_CLOUD_IPC_BATCH = batch;
  const c = await startCloudCluster({ workers: 2 });
  results[`2 workers, IPC via primary, ${batch === '1' ? 'batched' : 'per message'}`] = await run(
    c.url,
    true,
  );
  await c.stop();
}
process.env.SQUALL_CLOUD_IPC_BATCH = '1';

// mqemitter-redis with Debian's redis-server, when both are installed (measurement only).
const redisModule = 'mqemitter-redis';
const haveRedisModule = await import(redisModule).then(
  () => true,
  () => false,
);
if (existsSync('/usr/bin/redis-server') && haveRedisModule) {
  const dir = mkdtempSync(path.join(tmpdir(), 'squall-redis-bench-'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const redis = spawn('/usr/bin/redis-server', args, { stdio: 'ignore' });
  try {
    await waitForPort('127.0.0.1', port, { timeoutMs: 10_000 });
    process.env.SQUALL_CLOUD_BENCH_REDIS_URL = `redis://127.0.0.1:${port}`;
    const c = await startCloudCluster({ workers: 2 });
    results['2 workers, mqemitter-redis (redis-server 7)'] = await run(c.url, true);
    await c.stop();
  } finally {
    delete process.env.SQUALL_CLOUD_BENCH_REDIS_URL;
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.error(
    'skipping mqemitter-redis: needs /usr/bin/redis-server and `npm i --no-save mqemitter-redis`',
  );
}
const out = {
  unit: 'QoS 1 msgs/s delivered cross-worker (64 in flight, 64 B payloads)',
  durationMs: DURATION_MS,
  results,
};
console.log(JSON.stringify(out, null, 2));
console.log(
  `→ ${writeResult('testbed-routing', { ...out, date: new Date().toISOString(), machine: machine() })}`,
);
process.exit(0);
