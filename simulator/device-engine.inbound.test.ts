/**
 * Inbound protocol handling against a scripted broker (raw bytes on a TCP server): QoS 2
 * exactly-once delivery across a redelivered PUBLISH (MQTT 3.1.1 §4.3.3), frames split across
 * reads and several frames in one read, and the acknowledgements the device sends back.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEngine } from './device-engine.js';
import { resolveEngineConfig } from './engine-config.js';
import { allocPublish } from './packets.js';

const servers: net.Server[] = [];
const engines: DeviceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop({ graceful: false })));
  for (const s of servers.splice(0)) s.close();
});

function publish(topic: string, payload: string, qos: 0 | 1 | 2, pid: number, dup = false): Buffer {
  const { buf, payloadOffset } = allocPublish(topic, Buffer.byteLength(payload), qos, pid, 4);
  buf.write(payload, payloadOffset);
  if (dup) buf[0] = buf[0]! | 0x08;
  return buf;
}

/** A broker that answers CONNECT, then plays `script(socket)`; records every byte it receives after CONNECT. */
async function scriptedBroker(script: (s: net.Socket) => void) {
  const received: Buffer[] = [];
  const server = net.createServer((s) => {
    let connected = false;
    s.on('data', (chunk: Buffer) => {
      if (!connected) {
        connected = true;
        s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        script(s);
      } else received.push(chunk);
    });
    s.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, received };
}

function device(port: number, messages: string[]) {
  const engine = new DeviceEngine(
    resolveEngineConfig({
      broker: { host: '127.0.0.1', port },
      groups: [{ count: 1 }],
      onMessage: (_dev, buf, start, end) => messages.push(buf.toString('utf8', start, end)),
    }),
  );
  engines.push(engine);
  engine.start();
  return engine;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inbound packets', () => {
  it('delivers a QoS 2 message once even when the broker redelivers it before PUBREL', async () => {
    const broker = await scriptedBroker((s) => {
      s.write(publish('c/0', 'once', 2, 7));
      setTimeout(() => s.write(publish('c/0', 'once', 2, 7, true)), 20);
      setTimeout(() => s.write(Buffer.from([0x62, 0x02, 0x00, 0x07])), 40); // PUBREL 7
      setTimeout(() => s.write(publish('c/0', 'again', 2, 7)), 60); // a new message, same id
    });
    const messages: string[] = [];
    device(broker.port, messages);
    await sleep(200);
    expect(messages).toEqual(['once', 'again']);
    const acks = Buffer.concat(broker.received);
    // PUBREC 7 twice, PUBCOMP 7, PUBREC 7 for the new message.
    expect([...acks]).toEqual([0x50, 2, 0, 7, 0x50, 2, 0, 7, 0x70, 2, 0, 7, 0x50, 2, 0, 7]);
  });

  it('reassembles frames split across reads and splits several frames in one read', async () => {
    const frames = Buffer.concat([
      publish('c/0', 'a'.repeat(300), 1, 1),
      publish('c/0', 'b', 0, 0),
      publish('c/0', 'c', 1, 2),
    ]);
    const broker = await scriptedBroker((s) => {
      s.setNoDelay(true);
      // Byte by byte for the first frame's header, then the rest in two uneven writes.
      let at = 0;
      const step = () => {
        if (at >= frames.length) return;
        const n = at < 4 ? 1 : 150;
        s.write(frames.subarray(at, at + n));
        at += n;
        setTimeout(step, 5);
      };
      step();
    });
    const messages: string[] = [];
    device(broker.port, messages);
    await sleep(300);
    expect(messages).toEqual(['a'.repeat(300), 'b', 'c']);
    expect([...Buffer.concat(broker.received)]).toEqual([0x40, 2, 0, 1, 0x40, 2, 0, 2]); // PUBACK 1, 2
  });
});
