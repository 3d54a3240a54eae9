/** The hand-written CONNECT encoder and CONNACK reader against mqtt-packet, byte for byte. */
import mqtt from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { type ConnectFields, encodeConnect, readConnack } from './packets.js';

const cases: Array<[string, ConnectFields]> = [
  ['3.1.1 minimal', { protocolVersion: 4, clientId: 'dev-1', clean: true, keepalive: 60 }],
  ['3.1.1 empty client id', { protocolVersion: 4, clientId: '', clean: true, keepalive: 0 }],
  [
    '3.1.1 credentials and will',
    {
      protocolVersion: 4,
      clientId: 'dév-ü-42',
      clean: false,
      keepalive: 30,
      username: 'user-42',
      password: Buffer.from('secret'),
      will: { topic: 'w/42', payload: 'gone', qos: 1, retain: true },
    },
  ],
  ['5 clean, no properties', { protocolVersion: 5, clientId: 'v5', clean: true, keepalive: 10 }],
  [
    '5 session expiry, will, credentials',
    {
      protocolVersion: 5,
      clientId: 'v5-persist',
      clean: false,
      keepalive: 65_535,
      sessionExpiryInterval: 3600,
      username: 'u',
      password: Buffer.from('p'),
      will: { topic: 'w', payload: Buffer.from([1, 2, 3]), qos: 2, retain: false },
    },
  ],
  [
    '3.1.1 long client id (2-byte length)',
    { protocolVersion: 4, clientId: 'x'.repeat(300), clean: true, keepalive: 5 },
  ],
];

describe('encodeConnect', () => {
  it.each(cases)('%s matches mqtt-packet', (_name, c) => {
    const expected = mqtt.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: c.protocolVersion,
      clientId: c.clientId,
      clean: c.clean,
      keepalive: c.keepalive,
      username: c.username,
      password: c.password,
      will: c.will ? { ...c.will, payload: Buffer.from(c.will.payload) } : undefined,
      properties: c.sessionExpiryInterval ? { sessionExpiryInterval: c.sessionExpiryInterval } : undefined,
    });
    expect(encodeConnect(c).toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('readConnack', () => {
  it('reads a 3.1.1 CONNACK in place', () => {
    const frame = mqtt.generate({ cmd: 'connack', sessionPresent: true, returnCode: 5 });
    expect(readConnack(frame, 4)).toEqual({
      sessionPresent: true,
      code: 5,
      receiveMaximum: 0,
      serverKeepAlive: 0,
    });
  });

  it('reads a v5 CONNACK with properties through mqtt-packet', () => {
    const frame = mqtt.generate(
      {
        cmd: 'connack',
        sessionPresent: false,
        reasonCode: 0,
        properties: { receiveMaximum: 7, serverKeepAlive: 12 },
      },
      { protocolVersion: 5 },
    );
    expect(readConnack(frame, 5)).toEqual({
      sessionPresent: false,
      code: 0,
      receiveMaximum: 7,
      serverKeepAlive: 12,
    });
  });

  it('reads a v5 CONNACK without properties in place', () => {
    const frame = mqtt.generate(
      { cmd: 'connack', sessionPresent: false, reasonCode: 0x87 },
      { protocolVersion: 5 },
    );
    expect(readConnack(frame, 5)).toEqual({
      sessionPresent: false,
      code: 0x87,
      receiveMaximum: 0,
      serverKeepAlive: 0,
    });
  });
});
