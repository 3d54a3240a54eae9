/**
 * The agent's plain-HTTP health endpoint (`squall agent --health host:port`), for Kubernetes
 * liveness and readiness probes. The gRPC port cannot serve them: it speaks only mTLS, and a
 * kubelet TCP probe there is a refused handshake logged every period (measured: one
 * `refused TLS connection ... the client gave up the handshake` line per probe). Here:
 *
 * - `GET /livez`: 200 while the event loop answers (a hung agent times out and is restarted).
 * - `GET /readyz`: 200 once the gRPC listener is up (ledger replayed first), 503 before and
 *   while shutting down, so no controller is sent to an agent that cannot take a session.
 *
 * It says only "up" and "ready": no names, no faults, no versions, so it needs no
 * authentication (docs/security.md).
 */
import { createServer, type Server } from 'node:http';

export interface HealthServer {
  /** Binds `host:port` (port 0 picks one); resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

export function createHealthServer(isReady: () => boolean): HealthServer {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const answer = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed');
    if (path === '/livez') return answer(200, 'ok');
    if (path === '/readyz') return isReady() ? answer(200, 'ready') : answer(503, 'not ready');
    answer(404, 'not found: /livez, /readyz');
  });
  // A probe is one request; nothing should hold a socket open past shutdown.
  server.keepAliveTimeout = 1000;
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? { host, port: address.port } : { host, port });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
