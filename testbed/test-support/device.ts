/** A simulated device for testbed tests: QoS 1 publishes at a steady rate, recording which were acknowledged. */
import mqtt, { type MqttClient } from 'mqtt';
import { waitUntil } from '../../engine/core/wait.js';

export interface RateDevice {
  /** Sequence numbers the broker acknowledged (PUBACK). */
  readonly acked: Set<number>;
  /** Sequence numbers sent so far. */
  sent(): number;
  stop(drainMs?: number): Promise<void>;
}

/** Publishes `{prefix}{seq}` on `topic` at `ratePerS`, starting at seq `from`, on a fresh connection. */
export function startRateDevice(opts: {
  url: string;
  clientId: string;
  topic: string;
  ratePerS: number;
  from?: number;
  acked?: Set<number>;
  /** Payload is `${payloadPrefix}${seq}` (default: the bare sequence number). */
  payloadPrefix?: string;
}): RateDevice {
  const acked = opts.acked ?? new Set<number>();
  let seq = opts.from ?? 0;
  let outstanding = 0;
  const client: MqttClient = mqtt.connect(opts.url, {
    clientId: opts.clientId,
    reconnectPeriod: 200,
    // Unsent publishes stay in mqtt.js' memory while the gateway is away: only PUBACKs count.
    queueQoSZero: false,
  });
  client.on('error', () => undefined);
  const tickMs = 10;
  const started = Date.now();
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * opts.ratePerS) + (opts.from ?? 0);
    while (seq < due) {
      const n = seq++;
      outstanding++;
      client.publish(opts.topic, `${opts.payloadPrefix ?? ''}${n}`, { qos: 1 }, (err) => {
        outstanding--;
        if (!err) acked.add(n);
      });
    }
  }, tickMs);
  return {
    acked,
    sent: () => seq - (opts.from ?? 0),
    /** Stops publishing, waits (up to `drainMs`) for outstanding PUBACKs, then disconnects. */
    async stop(drainMs = 3000) {
      clearInterval(timer);
      const drained = () => outstanding <= 0 || !client.connected;
      await waitUntil(drained, { timeoutMs: drainMs, intervalMs: 20 });
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
