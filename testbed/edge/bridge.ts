/**
 * The gateway's bridge to the cloud: drains the disk queue over one mqtt.js connection with
 * QoS 1, oldest first, a window of publishes in flight, and deletes a message only on the
 * cloud's PUBACK. A broken connection (partition) leaves everything queued; on reconnect the
 * drain restarts at the oldest unacknowledged message: at least once, in order.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { DiskQueue } from './disk-queue.js';

export interface BridgeOptions {
  cloudUrl: string;
  clientId: string;
  /** Prefix added to every forwarded topic (e.g. `edge-1/`); none by default. */
  topicPrefix?: string;
  /** Publishes awaiting PUBACK at once (default 64). */
  window?: number;
  /** MQTT keepalive; with no traffic back for ~1.5× this, the connection counts as broken (default 2 s). */
  keepaliveS?: number;
  connectTimeoutMs?: number;
  /** Pause between connection attempts (default 500 ms). */
  reconnectDelayMs?: number;
}

export class Bridge {
  readonly #queue: DiskQueue;
  readonly #options: Required<BridgeOptions>;
  #client: MqttClient | undefined;
  /** Bumped per connection, so callbacks of a dead connection are ignored. */
  #generation = 0;
  #lastSentSeq = 0;
  readonly #inflight = new Set<number>();
  #stopped = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  connected = false;
  /** Messages the cloud acknowledged since start. */
  forwarded = 0;
  /** Re-sends after a broken connection (the cloud may see these twice). */
  resent = 0;
  /** Acks per wall-clock second, for the drain rate: [second, count] pairs, newest last. */
  readonly #ackBuckets: [number, number][] = [];

  constructor(queue: DiskQueue, options: BridgeOptions) {
    this.#queue = queue;
    this.#options = {
      topicPrefix: '',
      window: 64,
      keepaliveS: 2,
      connectTimeoutMs: 3000,
      reconnectDelayMs: 500,
      ...options,
    };
  }

  start(): void {
    this.#connect();
  }

  /** New messages are in the queue. */
  kick(): void {
    this.#pump();
  }

  /** Acknowledged messages per second over the last `windowMs`. */
  drainRatePerS(windowS = 5): number {
    // Whole seconds that have ended: the current one is still filling.
    const now = Math.floor(Date.now() / 1000);
    let acks = 0;
    for (const [second, count] of this.#ackBuckets)
      if (second < now && second >= now - windowS) acks += count;
    return acks / windowS;
  }

  #countAck(): void {
    const second = Math.floor(Date.now() / 1000);
    const last = this.#ackBuckets[this.#ackBuckets.length - 1];
    if (last && last[0] === second) last[1]++;
    else {
      this.#ackBuckets.push([second, 1]);
      if (this.#ackBuckets.length > 60) this.#ackBuckets.shift();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    this.connected = false;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  #connect(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    // A fresh client per attempt: mqtt.js must not replay its own in-memory store, the disk
    // queue is the one source of what still needs sending.
    const client = mqtt.connect(this.#options.cloudUrl, {
      clientId: this.#options.clientId,
      clean: true,
      keepalive: this.#options.keepaliveS,
      connectTimeout: this.#options.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: false,
    });
    this.#client = client;
    client.on('connect', () => {
      if (generation !== this.#generation) return;
      this.connected = true;
      // Everything not acknowledged is sent again, oldest first.
      if (this.#inflight.size > 0) this.resent += this.#inflight.size;
      this.#inflight.clear();
      this.#lastSentSeq = 0;
      this.#pump();
    });
    client.on('error', () => undefined);
    client.once('close', () => {
      if (generation !== this.#generation) return;
      this.connected = false;
      client.end(true);
      if (this.#stopped) return;
      this.#reconnectTimer = setTimeout(() => this.#connect(), this.#options.reconnectDelayMs);
    });
  }

  #pump(): void {
    const client = this.#client;
    if (!client || !this.connected || this.#stopped) return;
    const generation = this.#generation;
    const room = this.#options.window - this.#inflight.size;
    if (room <= 0) return;
    for (const message of this.#queue.readAfter(this.#lastSentSeq, room)) {
      this.#lastSentSeq = message.seq;
      this.#inflight.add(message.seq);
      client.publish(
        this.#options.topicPrefix + message.topic,
        message.payload,
        { qos: 1, retain: message.retain },
        (err) => {
          if (generation !== this.#generation || err) return;
          this.#inflight.delete(message.seq);
          this.#queue.ack(message.seq);
          this.forwarded++;
          this.#countAck();
          this.#pump();
        },
      );
    }
  }
}
