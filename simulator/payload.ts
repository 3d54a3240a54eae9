/**
 * Payload codecs: every telemetry payload carries (device index, sequence number, send time) so
 * a sink can count delivered, lost, duplicated, out-of-order and end-to-end latency.
 *
 * Compact binary (default), 17 bytes then zero padding to `payloadBytes`:
 *   [0]     0x53 ('S') magic
 *   [1..4]  device index, u32 big-endian
 *   [5..8]  sequence number, u32 big-endian
 *   [9..16] send time, float64 big-endian, epoch ms (µs resolution, see clock.ts)
 *
 * JSON template: any text with `{index}`, `{seq}`, `{ts}`, `{tenant}` and optionally `{pad}`
 * (filled with `x` up to `payloadBytes`). Decoding matches the template as a pattern.
 */
import { SquallError } from '../engine/core/errors.js';

const COMPACT_MAGIC = 0x53;
export const COMPACT_HEADER_BYTES = 17;

/** What a decoder fills in; reused across calls so decoding allocates nothing. */
export interface PayloadStamp {
  index: number;
  seq: number;
  sendTimeMs: number;
}

export interface PayloadCodec {
  readonly kind: 'compact' | 'json';
  /** Bytes `encodeInto` writes for this device (constant for compact). */
  byteLength(index: number, seq: number, sendTimeMs: number, tenant: string): number;
  /** Writes the payload at `offset`; returns the offset after it. */
  encodeInto(
    buf: Buffer,
    offset: number,
    index: number,
    seq: number,
    sendTimeMs: number,
    tenant: string,
  ): number;
  /** False when the bytes are not a payload of this codec (foreign traffic on the topic). */
  decode(buf: Buffer, start: number, end: number, out: PayloadStamp): boolean;
}

export function encodePayload(
  codec: PayloadCodec,
  index: number,
  seq: number,
  sendTimeMs: number,
  tenant = '',
): Buffer {
  const buf = Buffer.alloc(codec.byteLength(index, seq, sendTimeMs, tenant));
  codec.encodeInto(buf, 0, index, seq, sendTimeMs, tenant);
  return buf;
}

export function createCompactCodec(payloadBytes = COMPACT_HEADER_BYTES): PayloadCodec {
  if (!Number.isInteger(payloadBytes) || payloadBytes < COMPACT_HEADER_BYTES) {
    throw new SquallError(
      'SQUALL_FLEET_CONFIG_INVALID',
      `payloadBytes: the compact payload needs at least ${COMPACT_HEADER_BYTES} bytes, got ${payloadBytes}`,
    );
  }
  return {
    kind: 'compact',
    byteLength: () => payloadBytes,
    encodeInto(buf, offset, index, seq, sendTimeMs) {
      buf[offset] = COMPACT_MAGIC;
      buf.writeUInt32BE(index >>> 0, offset + 1);
      buf.writeUInt32BE(seq >>> 0, offset + 5);
      buf.writeDoubleBE(sendTimeMs, offset + 9);
      const end = offset + payloadBytes;
      if (payloadBytes > COMPACT_HEADER_BYTES) buf.fill(0, offset + COMPACT_HEADER_BYTES, end);
      return end;
    },
    decode(buf, start, end, out) {
      if (end - start < COMPACT_HEADER_BYTES || buf[start] !== COMPACT_MAGIC) return false;
      out.index = buf.readUInt32BE(start + 1);
      out.seq = buf.readUInt32BE(start + 5);
      out.sendTimeMs = buf.readDoubleBE(start + 9);
      return true;
    },
  };
}

const JSON_VARS = ['index', 'seq', 'ts', 'tenant', 'pad'] as const;
type JsonVar = (typeof JSON_VARS)[number];

/** A JSON (or any text) template codec: `{"dev":{index},"seq":{seq},"ts":{ts},"t":"{tenant}"}`. */
export function createJsonCodec(template: string, payloadBytes = 0): PayloadCodec {
  const literals: string[] = [];
  const slots: JsonVar[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{([a-z]+)\}/g)) {
    if (!(JSON_VARS as readonly string[]).includes(m[1]!)) {
      throw new SquallError(
        'SQUALL_FLEET_CONFIG_INVALID',
        `payload template: unknown placeholder {${m[1]}}; allowed: ${JSON_VARS.map((v) => `{${v}}`).join(', ')}`,
      );
    }
    literals.push(template.slice(last, m.index));
    slots.push(m[1] as JsonVar);
    last = m.index + m[0].length;
  }
  literals.push(template.slice(last));
  for (const needed of ['index', 'seq', 'ts'] as const) {
    if (!slots.includes(needed)) {
      throw new SquallError(
        'SQUALL_FLEET_CONFIG_INVALID',
        `payload template must contain {${needed}} so sinks can account for it: '${template}'`,
      );
    }
  }
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const groups: Record<JsonVar, string> = {
    index: '(\\d+)',
    seq: '(\\d+)',
    ts: '(\\d+(?:\\.\\d+)?)',
    tenant: '(.*?)',
    pad: 'x*',
  };
  const pattern = new RegExp(
    `^${literals.map((lit, i) => escapeRegExp(lit) + (i < slots.length ? groups[slots[i]!] : '')).join('')}$`,
  );
  const captured: JsonVar[] = slots.filter((s) => s !== 'pad');
  const at = (name: JsonVar) => captured.indexOf(name) + 1;
  const [iIndex, iSeq, iTs] = [at('index'), at('seq'), at('ts')];

  const renderWith = (index: number, seq: number, ts: number, tenant: string, pad: string): string => {
    let out = literals[0]!;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const v = s === 'index' ? index : s === 'seq' ? seq : s === 'ts' ? ts : s === 'tenant' ? tenant : pad;
      out += v + literals[i + 1]!;
    }
    return out;
  };
  const hasPad = slots.includes('pad');
  const render = (index: number, seq: number, sendTimeMs: number, tenant: string): string => {
    // Three decimals: µs resolution, like the compact codec's clock.
    const ts = Math.round(sendTimeMs * 1000) / 1000;
    const text = renderWith(index, seq, ts, tenant, '');
    if (!hasPad) return text;
    const padBytes = payloadBytes - Buffer.byteLength(text);
    return padBytes > 0 ? renderWith(index, seq, ts, tenant, 'x'.repeat(padBytes)) : text;
  };

  return {
    kind: 'json',
    byteLength: (index, seq, sendTimeMs, tenant) => Buffer.byteLength(render(index, seq, sendTimeMs, tenant)),
    encodeInto(buf, offset, index, seq, sendTimeMs, tenant) {
      return offset + buf.write(render(index, seq, sendTimeMs, tenant), offset);
    },
    decode(buf, start, end, out) {
      const m = pattern.exec(buf.toString('utf8', start, end));
      if (!m) return false;
      out.index = Number(m[iIndex]);
      out.seq = Number(m[iSeq]);
      out.sendTimeMs = Number(m[iTs]);
      return true;
    },
  };
}
