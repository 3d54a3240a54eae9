import { describe, expect, it } from 'vitest';
import { SquallError } from '../engine/core/errors.js';
import {
  COMPACT_HEADER_BYTES,
  createCompactCodec,
  createJsonCodec,
  encodePayload,
  type PayloadStamp,
} from './payload.js';

const stamp = (): PayloadStamp => ({ index: -1, seq: -1, sendTimeMs: -1 });

describe('compact payload codec', () => {
  it('round-trips index, seq and send time and pads to payloadBytes', () => {
    const codec = createCompactCodec(256);
    const ts = 1_764_300_000_123.456;
    const buf = encodePayload(codec, 99_999, 4_000_000_000, ts);
    expect(buf.length).toBe(256);
    const out = stamp();
    expect(codec.decode(buf, 0, buf.length, out)).toBe(true);
    expect(out).toEqual({ index: 99_999, seq: 4_000_000_000, sendTimeMs: ts });
  });
  it('decodes in place inside a larger buffer and rejects foreign bytes', () => {
    const codec = createCompactCodec();
    const buf = Buffer.alloc(40, 0xff);
    codec.encodeInto(buf, 10, 7, 8, 9, '');
    const out = stamp();
    expect(codec.decode(buf, 10, 10 + COMPACT_HEADER_BYTES, out)).toBe(true);
    expect(out).toEqual({ index: 7, seq: 8, sendTimeMs: 9 });
    expect(codec.decode(Buffer.from('hello world, not ours'), 0, 21, out)).toBe(false);
    expect(codec.decode(buf, 10, 20, out)).toBe(false);
  });
  it('refuses payloads too small to carry the stamp', () => {
    expect(() => createCompactCodec(16)).toThrow(SquallError);
  });
});

describe('JSON template codec', () => {
  it('renders and parses {index} {seq} {ts} {tenant}', () => {
    const codec = createJsonCodec('{"d":{index},"s":{seq},"t":{ts},"tenant":"{tenant}"}');
    const buf = encodePayload(codec, 12, 34, 1_764_300_000_000.123, 'acme');
    expect(JSON.parse(buf.toString())).toEqual({ d: 12, s: 34, t: 1_764_300_000_000.123, tenant: 'acme' });
    const out = stamp();
    expect(codec.decode(buf, 0, buf.length, out)).toBe(true);
    expect(out).toEqual({ index: 12, seq: 34, sendTimeMs: 1_764_300_000_000.123 });
  });
  it('pads with {pad} to payloadBytes and still parses', () => {
    const codec = createJsonCodec('{"d":{index},"s":{seq},"t":{ts},"p":"{pad}"}', 200);
    const buf = encodePayload(codec, 1, 2, 3, '');
    expect(buf.length).toBe(200);
    const out = stamp();
    expect(codec.decode(buf, 0, buf.length, out)).toBe(true);
    expect(out).toEqual({ index: 1, seq: 2, sendTimeMs: 3 });
  });
  it('rejects templates without the accounting fields or with unknown placeholders', () => {
    expect(() => createJsonCodec('{"s":{seq},"t":{ts}}')).toThrow(/\{index\}/);
    expect(() => createJsonCodec('{index}{seq}{ts}{tennant}')).toThrow(/tennant/);
  });
});
