/**
 * A real HTTP receiver for tests and bench/notify.ts, written the way a team would write its
 * webhook endpoint: it checks the signature itself (node:crypto, not Squall's code), refuses a
 * stale timestamp, and takes each idempotency key once (a retry of one it took is answered 200
 * and not counted again). `answer` decides per request what goes wrong: a status to fail with,
 * 'hang' to never answer, or undefined to take it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  /** 0-based, in arrival order. */
  index: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The signature checked out (always false without a secret). */
  signed: boolean;
  /** What it was answered. */
  status: number | 'hang';
  /** First time its idempotency key was taken (a 2xx that counts). */
  accepted: boolean;
}

export interface ReceiverServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Bodies taken, one per idempotency key, in order. */
  accepted: string[];
  /** Keys answered 2xx more than once (a second alert would have been a duplicate). */
  duplicates: string[];
  close(): Promise<void>;
}

export interface ReceiverServerOptions {
  secret?: string;
  answer?: (index: number, req: IncomingMessage) => number | 'hang' | undefined;
}

const MAX_SKEW_S = 300;

function verifySignature(secret: string, headers: IncomingMessage['headers'], body: string): boolean {
  const timestamp = Number(headers['x-squall-timestamp']);
  const given = String(headers['x-squall-signature'] ?? '');
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

export async function startReceiverServer(options: ReceiverServerOptions = {}): Promise<ReceiverServer> {
  const requests: ReceivedRequest[] = [];
  const accepted: string[] = [];
  const duplicates: string[] = [];
  const taken = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const index = requests.length;
      const signed = options.secret ? verifySignature(options.secret, req.headers, body) : false;
      const planned = options.answer?.(index, req);
      const status = planned ?? (options.secret && !signed ? 401 : 200);
      const key = String(req.headers['idempotency-key'] ?? `request-${index}`);
      const ok = typeof status === 'number' && status < 300;
      const first = ok && !taken.has(key);
      if (ok && !first) duplicates.push(key);
      if (first) {
        taken.add(key);
        accepted.push(body);
      }
      requests.push({
        index,
        path: req.url ?? '',
        headers: req.headers,
        body,
        signed,
        status,
        accepted: first,
      });
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'try again');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    accepted,
    duplicates,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
