/**
 * What the Toxiproxy-compatible API accepts before it reads a request. The API has no
 * authentication (Toxiproxy's has none either) and listens on loopback, so the clients that
 * matter are local tools — and the browser of anyone on this host, which can be made to send
 * requests to 127.0.0.1 by any web page. Three rules close that door:
 *
 * - the `Host` header must name loopback with the port the API listens on: a DNS-rebinding
 *   page reaches 127.0.0.1 under its own name (`Host: evil.example:8474`);
 * - a request with a body must be `application/json`, which a cross-site page cannot send
 *   without a CORS preflight (that this API never answers); browser requests are refused
 *   outright, as Toxiproxy's `StopBrowsersMiddleware` does (a `Mozilla/` user agent, or an
 *   `Origin` or `Sec-Fetch-Site` header, which only browsers send);
 * - a body is at most `MAX_API_BODY_BYTES` (413 beyond).
 */
import type { IncomingMessage } from 'node:http';

const MAX_API_BODY_BYTES = 64 * 1024;

export interface Refusal {
  status: number;
  error: string;
}

const LOOPBACK_HOST = /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/i;

/** Why the request must be refused before its body is read, or undefined to go on. */
export function refuseRequest(req: IncomingMessage, port: number): Refusal | undefined {
  const host = req.headers.host;
  const m = host === undefined ? null : /^(.+?)(?::(\d+))?$/.exec(host);
  const hostPort = m?.[2] === undefined ? 80 : Number(m[2]);
  if (!m || !LOOPBACK_HOST.test(m[1]!) || hostPort !== port) {
    return {
      status: 403,
      error: `Host header ${JSON.stringify(host ?? '')} is not this API's loopback address (127.0.0.1:${port}, localhost:${port} or [::1]:${port}); refused (DNS rebinding)`,
    };
  }
  const ua = req.headers['user-agent'] ?? '';
  if (
    ua.startsWith('Mozilla/') ||
    req.headers.origin !== undefined ||
    req.headers['sec-fetch-site'] !== undefined
  ) {
    return { status: 403, error: 'requests from web browsers are refused (this API has no authentication)' };
  }
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_API_BODY_BYTES) {
    return { status: 413, error: `request body of ${length} bytes exceeds ${MAX_API_BODY_BYTES} bytes` };
  }
  const type = req.headers['content-type'];
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if ((type !== undefined || hasBody) && !/^application\/json\s*(;|$)/i.test(type ?? '')) {
    return {
      status: 415,
      error: `expected Content-Type: application/json, got ${JSON.stringify(type ?? '(none)')}`,
    };
  }
  return undefined;
}

/** Past the cap the rest of a body is read and thrown away (so the 413 reaches the client), up to this. */
const DISCARD_LIMIT_BYTES = 16 << 20;

/**
 * Reads the body up to the cap; resolves undefined when it is longer. The rest is then read and
 * dropped, not kept, so the client gets its 413 instead of a reset; past DISCARD_LIMIT_BYTES
 * the connection is cut.
 */
export function readCappedBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DISCARD_LIMIT_BYTES) req.destroy();
      else if (over) return;
      else if (size > MAX_API_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        resolve(undefined); // answer now; the rest is dropped as it arrives
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
