/**
 * A test probe run as a child process, possibly inside a lab namespace (the test process itself
 * stays in the root namespace). SQUALL_PROBE selects the role:
 * - `devices`: N devices publishing QoS 1 at a rate each; on `stop`, reports `clientId:seq` acked.
 * - `sink`: subscribes QoS 1; on `report`, returns every `clientId:seq` seen, in arrival order.
 */
import mqtt from 'mqtt';
import { type RateDevice, startRateDevice } from './device.js';

export interface ProbeConfig {
  role: 'devices' | 'sink';
  url: string;
  /** devices */
  count?: number;
  ratePerSEach?: number;
  topicPrefix?: string;
  /** sink */
  filter?: string;
}
export type ProbeRequest = { t: 'stop'; id: number } | { t: 'report'; id: number };
export type ProbeReply =
  | { t: 'ready' }
  | { t: 'reply'; id: number; acked?: string[]; sent?: number; seen?: string[] };

const config = JSON.parse(process.env.SQUALL_PROBE ?? '{}') as ProbeConfig;
const send = (m: ProbeReply) => process.send?.(m);
process.on('disconnect', () => process.exit(0));

if (config.role === 'devices') {
  const devices: RateDevice[] = [];
  for (let i = 0; i < (config.count ?? 1); i++) {
    devices.push(
      startRateDevice({
        url: config.url,
        clientId: `dev-${i}`,
        topic: `${config.topicPrefix ?? 'fleet'}/dev-${i}`,
        ratePerS: config.ratePerSEach ?? 10,
        payloadPrefix: `dev-${i}:`,
      }),
    );
  }
  process.on('message', async (msg: ProbeRequest) => {
    if (msg.t !== 'stop') return;
    await Promise.all(devices.map((d) => d.stop()));
    const acked = devices.flatMap((d, i) => [...d.acked].map((n) => `dev-${i}:${n}`));
    send({ t: 'reply', id: msg.id, acked, sent: devices.reduce((a, d) => a + d.sent(), 0) });
  });
  send({ t: 'ready' });
} else {
  const seen: string[] = [];
  const client = await mqtt.connectAsync(config.url, { clientId: 'probe-sink', reconnectPeriod: 500 });
  client.on('message', (_topic, payload) => seen.push(payload.toString()));
  await client.subscribeAsync(config.filter ?? '#', { qos: 1 });
  process.on('message', (msg: ProbeRequest) => {
    if (msg.t === 'report') send({ t: 'reply', id: msg.id, seen });
  });
  send({ t: 'ready' });
}
