/**
 * Why a device could not connect, in words an operator acts on: socket errors mapped to a
 * cause (issue 3 §8), CONNACK and SUBACK codes to their spec names.
 */
import type { FailureCause } from './fleet-metrics.js';
import type { ProtocolVersion } from './packets.js';

/** Maps a socket error to the cause the CLI reports (issue 3 §8). */
export function classifyError(err: NodeJS.ErrnoException): FailureCause {
  const code = err.code ?? '';
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
    return 'unreachable';
  if (['EADDRNOTAVAIL', 'EADDRINUSE', 'EMFILE', 'ENFILE', 'ENOBUFS'].includes(code)) return 'ports';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (
    /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(code) ||
    /SSL|TLS/.test(err.message)
  ) {
    return 'tls';
  }
  return 'closed';
}

const CONNACK_3_1_1: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};
const CONNACK_5: Record<number, string> = {
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  132: 'unsupported protocol version',
  133: 'client identifier not valid',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
  137: 'server busy',
  138: 'banned',
  151: 'quota exceeded',
};

const SUBACK_5: Record<number, string> = {
  128: 'unspecified error',
  131: 'implementation specific error',
  135: 'not authorized',
  143: 'topic filter invalid',
  145: 'packet identifier in use',
  151: 'quota exceeded',
  158: 'shared subscriptions not supported',
  161: 'subscription identifiers not supported',
  162: 'wildcard subscriptions not supported',
};

/** MQTT 3.1.1 §3.9.3 (0x80 is the one failure code); MQTT 5.0 §3.9.3. */
export function describeSubackCode(code: number, version: ProtocolVersion): string {
  const text = version === 5 ? (SUBACK_5[code] ?? 'unknown reason') : 'failure';
  return `SUBACK 0x${code.toString(16).padStart(2, '0')} (${text})`;
}

/** MQTT 3.1.1 §3.2.2.3 table 3.1; MQTT 5.0 §3.2.2.2. */
export function describeConnackCode(code: number, version: ProtocolVersion): string {
  const text = (version === 5 ? CONNACK_5 : CONNACK_3_1_1)[code] ?? 'unknown reason';
  return `CONNACK 0x${code.toString(16).padStart(2, '0')} (${text})`;
}
