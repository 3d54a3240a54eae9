/** MQTT helpers for the testbed's integration tests (real clients, real brokers). */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects and remembers the client so `closeAll` can end it even when a test fails. */
export class Clients {
  readonly #all: MqttClient[] = [];

  async connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    this.#all.push(client);
    return client;
  }

  /**
   * Connects and collects `count` messages, listening before CONNACK: a resumed session's queue
   * arrives right behind it, often in the same TCP read.
   */
  async connectAndCollect(
    url: string,
    options: IClientOptions,
    count: number,
    timeoutMs = 5000,
    filter: (topic: string) => boolean = () => true,
  ): Promise<{ client: MqttClient; messages: Promise<Message[]> }> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    this.#all.push(client);
    const messages = collect(client, count, timeoutMs, filter);
    messages.catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return { client, messages };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#all.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Resolves with the first `count` messages on `client` matching `filter` (rejects after `timeoutMs`). */
export function collect(
  client: MqttClient,
  count: number,
  timeoutMs = 5000,
  filter: (topic: string) => boolean = () => true,
): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      if (!filter(topic)) return;
      got.push({ topic, payload: payload.toString(), retain: packet.retain });
      if (got.length >= count) done();
    };
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`got ${got.length}/${count} messages: ${JSON.stringify(got.slice(0, 5))}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve(got);
    };
    client.on('message', onMessage);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
