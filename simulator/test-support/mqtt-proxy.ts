/**
 * A small MQTT-aware TCP proxy for oracle tests. It frames the client→broker stream so it can
 * drop *whole* PUBLISH packets by ordinal (the stream stays valid: QoS 0 has no packet ids),
 * delay each direction, swallow the broker→client direction (PUBACKs vanish), cut every
 * connection, and refuse new ones.
 */
import net from 'node:net';

export interface MqttProxy {
  port: number;
  /** PUBLISH packets read from clients (dropped or forwarded; forwarded ones reach the broker even across a cut). */
  readonly publishesSeen: number;
  readonly publishesDropped: number;
  /** Drop client→broker PUBLISH number `first` (0-based, across connections) and the `count` - 1 after it. */
  dropPublishes(first: number, count: number): void;
  /** Added one-way delay per direction. */
  setLatency(upMs: number, downMs: number): void;
  /** While on, broker→client bytes are discarded. */
  blackholeDown(on: boolean): void;
  /** While on, new client connections are closed at once. */
  refuse(on: boolean): void;
  cutAll(): void;
  /**
   * Median of how late the delay timers fired (ms): on a loaded machine the proxy adds a bit
   * more than asked, and an oracle must compare against what it really added.
   */
  latenessP50Ms(): number;
  close(): Promise<void>;
}

export async function startMqttProxy(upstream: { host: string; port: number }): Promise<MqttProxy> {
  const pairs = new Set<{ client: net.Socket; broker: net.Socket }>();
  let seen = 0;
  let dropped = 0;
  let dropFrom = -1;
  let dropTo = -1;
  let upMs = 0;
  let downMs = 0;
  let blackhole = false;
  let refusing = false;

  const lateness: number[] = [];
  const send = (to: net.Socket, chunk: Buffer, delayMs: number) => {
    if (delayMs <= 0) {
      to.write(chunk);
      return;
    }
    const due = performance.now() + delayMs;
    setTimeout(() => {
      lateness.push(performance.now() - due);
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  };

  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const broker = net.connect(upstream.port, upstream.host);
    broker.setNoDelay(true);
    const pair = { client, broker };
    pairs.add(pair);
    let carry = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      let data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const out: Buffer[] = [];
      let pos = 0;
      while (data.length - pos >= 2) {
        let remaining = 0;
        let mul = 1;
        let o = pos + 1;
        let done = false;
        while (o < data.length) {
          const b = data[o++]!;
          remaining += (b & 0x7f) * mul;
          mul *= 128;
          if ((b & 0x80) === 0) {
            done = true;
            break;
          }
        }
        if (!done || o + remaining > data.length) break;
        const frame = data.subarray(pos, o + remaining);
        if (data[pos]! >> 4 === 3) {
          const ordinal = seen++;
          if (ordinal >= dropFrom && ordinal < dropTo) dropped++;
          else out.push(frame);
        } else out.push(frame);
        pos = o + remaining;
      }
      carry = Buffer.from(data.subarray(pos));
      data = Buffer.alloc(0);
      if (out.length > 0) send(broker, Buffer.concat(out), upMs);
    });
    broker.on('data', (chunk: Buffer) => {
      if (!blackhole) send(client, chunk, downMs);
    });
    // Towards the broker, flush what was already read from the client before closing, so
    // `publishesSeen` is exactly what the broker received.
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      broker.end();
    };
    client.on('close', teardown);
    broker.on('close', teardown);
    client.on('error', teardown);
    broker.on('error', teardown);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.broker.end();
    }
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    get publishesSeen() {
      return seen;
    },
    get publishesDropped() {
      return dropped;
    },
    dropPublishes(first, count) {
      dropFrom = first;
      dropTo = first + count;
    },
    setLatency(up, down) {
      upMs = up;
      downMs = down;
    },
    blackholeDown(on) {
      blackhole = on;
    },
    refuse(on) {
      refusing = on;
    },
    cutAll,
    latenessP50Ms() {
      if (lateness.length === 0) return 0;
      const sorted = [...lateness].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)]!;
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
