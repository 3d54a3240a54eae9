/**
 * MQTT packet encoding for the hot path, written by hand into one allocation per packet, and
 * the rare packets through mqtt-packet. Layouts: MQTT 3.1.1 §3 and MQTT 5.0 §3.
 *
 * Hand-encoded: CONNECT (§3.1), PUBLISH (§3.3), PUBACK/PUBREC/PUBREL/PUBCOMP (§3.4–3.7, the
 * 4-byte form that v5 allows when the reason code is 0 and there are no properties,
 * §3.4.2.1), PINGREQ, DISCONNECT; CONNACK without properties is read in place. mqtt-packet:
 * SUBSCRIBE, and parsing CONNACK with properties, SUBACK, DISCONNECT.
 */
import mqtt from 'mqtt-packet';

// mqtt-packet otherwise builds a cache of 65,536 two-byte Buffers (≈ 6.3 MB of heap) on the
// first generate(); we only generate SUBSCRIBE, where it buys nothing. mqtt.js
// does the same with `writeCache: false`.
mqtt.writeToStream.cacheNumbers = false;

export type QoS = 0 | 1 | 2;
export type ProtocolVersion = 4 | 5;

export const PACKET = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  pubrec: 5,
  pubrel: 6,
  pubcomp: 7,
  subscribe: 8,
  suback: 9,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
  auth: 15,
} as const;

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** Bytes of the Remaining Length varint (§2.2.3). */
function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarint(buf: Buffer, offset: number, n: number): number {
  let v = n;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (v > 0);
  return offset;
}

/** Writes a 4-byte acknowledgement (PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70). */
export function writeAck(buf: Buffer, offset: number, firstByte: number, packetId: number): number {
  buf[offset] = firstByte;
  buf[offset + 1] = 2;
  buf[offset + 2] = packetId >>> 8;
  buf[offset + 3] = packetId & 0xff;
  return offset + 4;
}
export const ACK_BYTE = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;

/**
 * Allocates a PUBLISH with topic and header written; the caller writes `payloadBytes` at
 * `payloadOffset` (so payloads are encoded straight into the packet, no copy).
 */
export function allocPublish(
  topic: string,
  payloadBytes: number,
  qos: QoS,
  packetId: number,
  version: ProtocolVersion,
  retain = false,
): { buf: Buffer; payloadOffset: number } {
  const topicBytes = Buffer.byteLength(topic);
  // §3.3.2: topic (u16 length + bytes), packet id when QoS > 0, v5 property length (0 → 1 byte).
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payloadBytes;
  const total = 1 + varintBytes(remaining) + remaining;
  const buf = Buffer.allocUnsafe(total);
  buf[0] = 0x30 | (qos << 1) | (retain ? 1 : 0);
  let o = writeVarint(buf, 1, remaining);
  buf.writeUInt16BE(topicBytes, o);
  o += 2;
  o += buf.write(topic, o, 'utf8');
  if (qos > 0) {
    buf.writeUInt16BE(packetId, o);
    o += 2;
  }
  if (version === 5) buf[o++] = 0;
  return { buf, payloadOffset: o };
}

/** Sets the DUP flag of an encoded PUBLISH for redelivery (§3.3.1.1). */
export function markDup(publish: Buffer): void {
  publish[0] = publish[0]! | 0x08;
}

/** Where the parts of a received PUBLISH lie in its frame; filled in place, no allocation. */
export interface PublishView {
  qos: QoS;
  dup: boolean;
  retain: boolean;
  packetId: number;
  topicStart: number;
  topicEnd: number;
  payloadStart: number;
  payloadEnd: number;
}

/** Decodes a PUBLISH whose body is `buf[bodyStart, end)`, `firstByte` its fixed header byte. */
export function readPublish(
  buf: Buffer,
  firstByte: number,
  bodyStart: number,
  end: number,
  version: ProtocolVersion,
  out: PublishView,
): boolean {
  const qosBits = (firstByte >> 1) & 3;
  if (qosBits === 3) return false; // §3.3.1.2: malformed
  const qos = qosBits as QoS;
  let o = bodyStart;
  if (o + 2 > end) return false;
  const topicLength = buf.readUInt16BE(o);
  o += 2;
  out.topicStart = o;
  o += topicLength;
  out.topicEnd = o;
  out.packetId = 0;
  if (qos > 0) {
    if (o + 2 > end) return false;
    out.packetId = buf.readUInt16BE(o);
    o += 2;
  }
  if (version === 5) {
    // §3.3.2.3: skip the properties (varint length then bytes).
    let length = 0;
    let mul = 1;
    let byte: number;
    do {
      if (o >= end) return false;
      byte = buf[o++]!;
      length += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte & 0x80);
    o += length;
  }
  if (o > end) return false;
  out.qos = qos;
  out.dup = (firstByte & 0x08) !== 0;
  out.retain = (firstByte & 1) !== 0;
  out.payloadStart = o;
  out.payloadEnd = end;
  return true;
}

/** What a device's CONNECT carries; the fields mqtt-packet's IConnectPacket would take. */
export interface ConnectFields {
  protocolVersion: ProtocolVersion;
  clientId: string;
  clean: boolean;
  keepalive: number;
  username?: string;
  password?: Buffer;
  will?: { topic: string; payload: string | Buffer; qos: QoS; retain: boolean };
  /** MQTT 5 Session Expiry Interval (§3.1.2.11.2); 0 or absent: no property. */
  sessionExpiryInterval?: number;
}

/**
 * Encodes a CONNECT by hand into one allocation (§3.1): mqtt-packet's generate() costs more
 * than the connect syscall it precedes. Byte-identical to mqtt-packet (packets.test.ts).
 */
export function encodeConnect(c: ConnectFields): Buffer {
  const v5 = c.protocolVersion === 5;
  const clientIdBytes = Buffer.byteLength(c.clientId);
  const willPayload = c.will
    ? typeof c.will.payload === 'string'
      ? Buffer.from(c.will.payload)
      : c.will.payload
    : undefined;
  const willTopicBytes = c.will ? Buffer.byteLength(c.will.topic) : 0;
  const userBytes = c.username === undefined ? -1 : Buffer.byteLength(c.username);
  const expiry = v5 && c.sessionExpiryInterval ? c.sessionExpiryInterval : 0;
  const propsBytes = v5 ? (expiry > 0 ? 5 : 0) : -1;
  // §3.1.2: protocol name (6) + level (1) + flags (1) + keepalive (2), then v5 properties.
  let remaining = 10 + (propsBytes >= 0 ? 1 + propsBytes : 0) + 2 + clientIdBytes;
  if (c.will) remaining += (v5 ? 1 : 0) + 2 + willTopicBytes + 2 + willPayload!.length;
  if (userBytes >= 0) remaining += 2 + userBytes;
  if (c.password) remaining += 2 + c.password.length;
  const buf = Buffer.allocUnsafe(1 + varintBytes(remaining) + remaining);
  buf[0] = 0x10;
  let o = writeVarint(buf, 1, remaining);
  buf[o++] = 0;
  buf[o++] = 4;
  o += buf.write('MQTT', o, 'latin1');
  buf[o++] = c.protocolVersion;
  let flags = c.clean ? 0x02 : 0;
  if (c.will) flags |= 0x04 | (c.will.qos << 3) | (c.will.retain ? 0x20 : 0);
  if (c.password) flags |= 0x40;
  if (userBytes >= 0) flags |= 0x80;
  buf[o++] = flags;
  buf.writeUInt16BE(c.keepalive, o);
  o += 2;
  if (propsBytes >= 0) {
    buf[o++] = propsBytes;
    if (expiry > 0) {
      buf[o++] = 0x11; // Session Expiry Interval, four-byte integer (§3.1.2.11.2)
      buf.writeUInt32BE(expiry, o);
      o += 4;
    }
  }
  buf.writeUInt16BE(clientIdBytes, o);
  o += 2;
  o += buf.write(c.clientId, o, 'utf8');
  if (c.will) {
    if (v5) buf[o++] = 0; // no will properties (§3.1.3.2)
    buf.writeUInt16BE(willTopicBytes, o);
    o += 2;
    o += buf.write(c.will.topic, o, 'utf8');
    buf.writeUInt16BE(willPayload!.length, o);
    o += 2;
    o += willPayload!.copy(buf, o);
  }
  if (userBytes >= 0) {
    buf.writeUInt16BE(userBytes, o);
    o += 2;
    o += buf.write(c.username!, o, 'utf8');
  }
  if (c.password) {
    buf.writeUInt16BE(c.password.length, o);
    o += 2;
    c.password.copy(buf, o);
  }
  return buf;
}

/** The CONNACK fields the engine acts on. */
export interface Connack {
  sessionPresent: boolean;
  /** CONNACK return code (3.1.1 §3.2.2.3) or reason code (5.0 §3.2.2.2). */
  code: number;
  receiveMaximum: number;
  serverKeepAlive: number;
}

/**
 * Reads a CONNACK frame in place when it has no properties (every 3.1.1 CONNACK, and a v5 one
 * with property length 0); one with properties goes through mqtt-packet.
 */
export function readConnack(frame: Buffer, version: ProtocolVersion): Connack | Error {
  if (frame.length >= 4 && frame[1]! >= 2 && (version === 4 || (frame.length >= 5 && frame[4] === 0))) {
    return { sessionPresent: (frame[2]! & 1) === 1, code: frame[3]!, receiveMaximum: 0, serverKeepAlive: 0 };
  }
  const packet = parseFrame(frame, version);
  if (packet instanceof Error) return packet;
  if (packet.cmd !== 'connack') return new Error(`expected CONNACK, got ${packet.cmd}`);
  return {
    sessionPresent: packet.sessionPresent === true,
    code: (version === 5 ? packet.reasonCode : packet.returnCode) ?? 0,
    receiveMaximum: packet.properties?.receiveMaximum ?? 0,
    serverKeepAlive: packet.properties?.serverKeepAlive ?? 0,
  };
}

export function encodeSubscribe(
  messageId: number,
  subscriptions: Array<{ topic: string; qos: QoS }>,
  version: ProtocolVersion,
): Buffer {
  return mqtt.generate(
    {
      cmd: 'subscribe',
      messageId,
      // MQTT 5.0 §3.8.3.1 Retain Handling 1: retained messages only for a new subscription, so
      // subscribing again into a resumed session does not replay them (3.1.1 has no such option).
      subscriptions: subscriptions.map((s) => ({
        topic: s.topic,
        qos: s.qos,
        ...(version === 5 && { rh: 1 }),
      })),
    },
    { protocolVersion: version },
  );
}

/** Parses one complete frame with a shared mqtt-packet parser (rare packets only). */
export function parseFrame(frame: Buffer, version: ProtocolVersion): mqtt.Packet | Error {
  const parser = version === 5 ? parser5 : parser4;
  parsed = undefined;
  parseError = undefined;
  parser.parse(frame);
  if (parseError) {
    // A parser that saw garbage may hold partial state: start the next parse clean.
    if (version === 5) parser5 = makeParser(5);
    else parser4 = makeParser(4);
    return parseError;
  }
  return parsed ?? new Error('incomplete frame');
}

let parsed: mqtt.Packet | undefined;
let parseError: Error | undefined;
function makeParser(version: ProtocolVersion): mqtt.Parser {
  const p = mqtt.parser({ protocolVersion: version });
  p.on('packet', (packet) => {
    parsed = packet;
  });
  p.on('error', (err) => {
    parseError = err;
  });
  return p;
}
let parser4 = makeParser(4);
let parser5 = makeParser(5);
