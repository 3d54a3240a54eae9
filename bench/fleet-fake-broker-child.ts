/**
 * A stand-in broker for client-side throughput benchmarks, in its own process: answers CONNECT
 * with CONNACK and SUBSCRIBE with SUBACK, discards everything else (so the clients, not a
 * broker, are the bottleneck being measured). With FLEET_FAKE_BLAST=1, after a SUBACK it
 * streams pre-encoded compact-payload PUBLISH frames (QoS 0) to the subscriber as fast as the
 * socket drains, for the sink benchmark.
 */
import net from 'node:net';
import { allocPublish } from '../simulator/packets.js';
import { createCompactCodec } from '../simulator/payload.js';

const blast = process.env.FLEET_FAKE_BLAST === '1';
const DEVICES = Number(process.env.FLEET_FAKE_DEVICES ?? 100_000);

/** 1,000 PUBLISH frames for consecutive (device, seq) pairs in one buffer, re-stamped per batch. */
function batch(startSeq: number): Buffer {
  const codec = createCompactCodec(64);
  const frames: Buffer[] = [];
  for (let k = 0; k < 1000; k++) {
    const n = startSeq + k;
    const { buf, payloadOffset } = allocPublish('t/bench', 64, 0, 0, 4);
    codec.encodeInto(
      buf,
      payloadOffset,
      n % DEVICES,
      Math.floor(n / DEVICES),
      performance.timeOrigin + performance.now(),
      '',
    );
    frames.push(buf);
  }
  return Buffer.concat(frames);
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  // 0: expect CONNECT · 1: expect SUBSCRIBE (or telemetry) · 2: discard everything. Parsing
  // stops after the handshake: later chunks may start mid-frame.
  let phase = 0;
  socket.on('data', (chunk: Buffer) => {
    if (phase === 2) return;
    const type = chunk[0]! >> 4;
    if (phase === 0 && type === 1) {
      socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      phase = 1;
    } else if (phase === 1 && type === 8) {
      phase = 2;
      const pid = chunk.readUInt16BE(2);
      socket.write(Buffer.from([0x90, 0x03, pid >> 8, pid & 0xff, 0x00]));
      if (blast) {
        let seq = 0;
        const pump = () => {
          while (!socket.destroyed) {
            const ok = socket.write(batch(seq));
            seq += 1000;
            if (!ok) {
              socket.once('drain', pump);
              return;
            }
          }
        };
        pump();
      }
    } else phase = 2;
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
