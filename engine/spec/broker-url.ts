/**
 * Broker URLs as the fleet reads them: `mqtt://host:port`, `mqtts://host:port` (also `tcp://`,
 * `ssl://`, `tls://`, and a bare `host:port`, which means mqtt://) → a host, a port and, for
 * the secure schemes, TLS options. Used by the fleet's config (simulator/fleet-config.ts), the
 * experiment checks (validate-fleet.ts) and `squall fleet`, so all three accept the same URLs.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { SquallError } from '../core/errors.js';
import { hasUrlScheme } from './url-scheme.js';

export interface BrokerTarget {
  host: string;
  port: number;
  /** Set for mqtts://; the options go to tls.connect. */
  tls?: ConnectionOptions;
}

const SECURE_SCHEMES = ['mqtts:', 'ssl:', 'tls:'];
const PLAIN_SCHEMES = ['mqtt:', 'tcp:'];

/** `host:port` → `mqtt://host:port`; a URL with a scheme is kept as it is. */
export function withDefaultScheme(url: string): string {
  return hasUrlScheme(url) ? url : `mqtt://${url}`;
}

/** `mqtt://host:port`, `mqtts://host:port`, `tcp://`, `host:port` → a broker target. */
export function parseBrokerUrl(url: string, tls?: ConnectionOptions): BrokerTarget {
  let parsed: URL;
  try {
    parsed = new URL(withDefaultScheme(url));
  } catch {
    throw invalid(`broker: expected a URL such as mqtt://127.0.0.1:1883, got '${url}'`);
  }
  const secure = SECURE_SCHEMES.includes(parsed.protocol);
  if (!secure && !PLAIN_SCHEMES.includes(parsed.protocol)) {
    throw invalid(`broker: scheme must be mqtt:// or mqtts://, got '${parsed.protocol}//'`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port ? Number(parsed.port) : secure ? 8883 : 1883;
  // SNI carries a name, never an address (RFC 6066 §3; Node warns DEP0123 for an IP).
  return secure
    ? { host, port, tls: { ...(isIP(host) ? {} : { servername: host }), ...tls } }
    : { host, port };
}

/** What is wrong with a broker URL as the fleet will read it (scheme, syntax, port), or undefined. */
export function brokerUrlProblem(url: string): string | undefined {
  try {
    const { port } = parseBrokerUrl(url);
    return port >= 1 && port <= 65_535 ? undefined : `broker port must be 1–65535, got ${port}`;
  } catch (err) {
    return (err as Error).message.replace(/^broker: /, '');
  }
}

const invalid = (message: string) => new SquallError('SQUALL_FLEET_CONFIG_INVALID', message);
