/**
 * Cross-worker routing throughput of the cloud cluster: one subscriber on worker A, publishers
 * on worker B, QoS 1 with a window of in-flight publishes. Compares batched and per-message IPC
 * through the primary, with one plain aedes process as the no-routing baseline.
 * Run: npx tsx bench/testbed-routing.ts (light: ~20 s, 2 cores).
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { startCloudCluster } from '../testbed/cloud/cluster.js';

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
console.log(JSON.stringify({ unit: 'QoS 1 msgs/s delivered cross-worker', results }, null, 2));
