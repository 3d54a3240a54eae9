/**
 * Bytes in: frames cut from each read (a partial frame waits in a sparse carry map), then one
 * small handler per packet type. Hot packets (PUBLISH, acks, PINGRESP) are read
 * in place; CONNACK without properties too; SUBACK and DISCONNECT go through mqtt-packet.
 * Acks produced while reading one chunk are written in one batch.
 */

import { nowMs } from './clock.js';
import { describeSubackCode } from './connect-errors.js';
import { onConnack } from './device-connection.js';
import { type DeviceCore, type DeviceSocket, FLAG_PING_OUTSTANDING, FLAG_SUBSCRIBED } from './device-core.js';
import { onAcked, onPubrec } from './device-publish.js';
import {
  ACK_BYTE,
  PACKET,
  type ProtocolVersion,
  type PublishView,
  parseFrame,
  readPublish,
  writeAck,
} from './packets.js';

/** The acks of one read, written together; and the one PUBLISH view, filled in place. */
export class InboundBuffers {
  ack = Buffer.allocUnsafe(16 * 1024);
  ackLength = 0;
  readonly view: PublishView = {
    qos: 0,
    dup: false,
    retain: false,
    packetId: 0,
    topicStart: 0,
    topicEnd: 0,
    payloadStart: 0,
    payloadEnd: 0,
  };

  queueAck(firstByte: number, pid: number): void {
    if (this.ackLength + 4 > this.ack.length) {
      const grown = Buffer.allocUnsafe(this.ack.length * 2);
      this.ack.copy(grown, 0, 0, this.ackLength);
      this.ack = grown;
    }
    this.ackLength = writeAck(this.ack, this.ackLength, firstByte, pid);
  }
}

export function onBytes(
  core: DeviceCore,
  io: InboundBuffers,
  sock: DeviceSocket,
  buf: Buffer,
  nread: number,
): void {
  const dev = sock.dev;
  if (core.sockets[dev] !== sock) return;
  const now = nowMs();
  let data = buf;
  let end = nread;
  const carry = core.carry.get(dev);
  if (carry) {
    data = Buffer.concat([carry, buf.subarray(0, nread)]);
    end = data.length;
    core.carry.delete(dev);
  }
  const version = core.groupOfDevice(dev).config.protocolVersion;
  let pos = 0;
  while (end - pos >= 2) {
    // Fixed header: type/flags byte, then Remaining Length varint of 1–4 bytes (§2.2.3).
    let remaining = 0;
    let mul = 1;
    let o = pos + 1;
    let complete = false;
    for (let i = 0; i < 4 && o < end; i++) {
      const byte = data[o++]!;
      remaining += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) {
        complete = true;
        break;
      }
      if (i === 3) {
        core.protocolError(dev, 'malformed remaining length');
        return;
      }
    }
    if (!complete || o + remaining > end) break;
    onFrame(core, io, dev, data, pos, o, o + remaining, version, now);
    if (core.sockets[dev] !== sock) return; // closed by a handler
    pos = o + remaining;
  }
  if (pos < end) core.carry.set(dev, Buffer.from(data.subarray(pos, end)));
  if (io.ackLength > 0) {
    sock.write(Buffer.from(io.ack.subarray(0, io.ackLength)));
    core.lastTxMs[dev] = now;
    io.ackLength = 0;
  }
}

function onFrame(
  core: DeviceCore,
  io: InboundBuffers,
  dev: number,
  data: Buffer,
  start: number,
  body: number,
  end: number,
  v: ProtocolVersion,
  now: number,
) {
  const first = data[start]!;
  switch (first >> 4) {
    case PACKET.publish:
      return onPublish(core, io, dev, data, first, body, end, v, now);
    case PACKET.puback:
      return onAcked(core, dev, data.readUInt16BE(body), 1);
    case PACKET.pubcomp:
      return onAcked(core, dev, data.readUInt16BE(body), 2);
    case PACKET.pubrec: {
      const pid = data.readUInt16BE(body);
      onPubrec(core, dev, pid);
      return io.queueAck(ACK_BYTE.pubrel, pid);
    }
    case PACKET.pubrel:
      return onPubrel(core, io, dev, data.readUInt16BE(body));
    case PACKET.pingresp:
      core.flags[dev] = core.flags[dev]! & ~FLAG_PING_OUTSTANDING;
      return;
    case PACKET.connack:
      return onConnack(core, dev, data.subarray(start, end), v, now);
    case PACKET.suback:
      return onSuback(core, dev, data.subarray(start, end), v);
    case PACKET.disconnect: {
      const p = parseFrame(data.subarray(start, end), v);
      const code = p instanceof Error ? undefined : (p as { reasonCode?: number }).reasonCode;
      const reason = code === undefined ? 'none' : `0x${code.toString(16)}`;
      core.metrics.failure('closed', `broker sent DISCONNECT (reason ${reason})`);
      core.sockets[dev]?.destroy();
      return;
    }
    default:
      return; // UNSUBACK, AUTH: nothing to do
  }
}

function onPublish(
  core: DeviceCore,
  io: InboundBuffers,
  dev: number,
  data: Buffer,
  first: number,
  body: number,
  end: number,
  v: ProtocolVersion,
  now: number,
): void {
  const view = io.view;
  if (!readPublish(data, first, body, end, v, view)) {
    core.protocolError(dev, 'malformed PUBLISH');
    return;
  }
  core.metrics.count('received');
  if (view.qos === 1) io.queueAck(ACK_BYTE.puback, view.packetId);
  else if (view.qos === 2) {
    // MQTT 3.1.1 §4.3.3 (method B): deliver once, then until PUBREL a redelivered PUBLISH with
    // this packet id is the same message — acknowledge it again, do not deliver it again.
    io.queueAck(ACK_BYTE.pubrec, view.packetId);
    let awaiting = core.awaitingRelease.get(dev);
    if (awaiting?.has(view.packetId)) return;
    if (!awaiting) {
      awaiting = new Set();
      core.awaitingRelease.set(dev, awaiting);
    }
    awaiting.add(view.packetId);
  }
  core.config.onMessage?.(
    dev,
    data,
    view.payloadStart,
    view.payloadEnd,
    view.topicStart,
    view.topicEnd,
    now - core.config.clockOffsetMs,
  );
}

function onPubrel(core: DeviceCore, io: InboundBuffers, dev: number, pid: number): void {
  const awaiting = core.awaitingRelease.get(dev);
  if (awaiting?.delete(pid) && awaiting.size === 0) core.awaitingRelease.delete(dev);
  io.queueAck(ACK_BYTE.pubcomp, pid);
}

function onSuback(core: DeviceCore, dev: number, frame: Buffer, v: ProtocolVersion): void {
  const p = parseFrame(frame, v);
  if (p instanceof Error || p.cmd !== 'suback') {
    core.protocolError(dev, 'bad SUBACK');
    return;
  }
  let failed = 0;
  for (const granted of p.granted) {
    const code = typeof granted === 'number' ? granted : 0;
    if (code >= 0x80) {
      failed++;
      core.metrics.failure('subscribe', describeSubackCode(code, v));
    }
  }
  core.metrics.count(failed > 0 ? 'subscribe_failed' : 'subscribed');
  core.flags[dev] = failed > 0 ? core.flags[dev]! & ~FLAG_SUBSCRIBED : core.flags[dev]! | FLAG_SUBSCRIBED;
}
