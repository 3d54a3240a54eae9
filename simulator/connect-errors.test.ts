import { describe, expect, it } from 'vitest';
import { classifyError, describeConnackCode } from './connect-errors.js';

const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('connect errors', () => {
  it('maps socket errors to causes', () => {
    expect(classifyError(err('ECONNREFUSED'))).toBe('unreachable');
    expect(classifyError(err('ENOTFOUND'))).toBe('unreachable');
    expect(classifyError(err('EADDRNOTAVAIL'))).toBe('ports');
    expect(classifyError(err('EMFILE'))).toBe('ports');
    expect(classifyError(err('ETIMEDOUT'))).toBe('timeout');
    expect(classifyError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe('tls');
    expect(classifyError(err('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('tls');
    expect(classifyError(err('ECONNRESET'))).toBe('closed');
  });
  it('names CONNACK codes per protocol version', () => {
    expect(describeConnackCode(5, 4)).toBe('CONNACK 0x05 (not authorized)');
    expect(describeConnackCode(0x87, 5)).toBe('CONNACK 0x87 (not authorized)');
    expect(describeConnackCode(0x9f, 5)).toBe('CONNACK 0x9f (unknown reason)');
  });
});
