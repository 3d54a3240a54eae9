/**
 * Loopback ports: one the kernel just handed out (for programs that cannot bind port 0
 * themselves, and specs that need a fixed `host:port`), whether something accepts connections
 * on one, and waiting until something does.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { waitUntil } from './wait.js';

/** A port the kernel just handed out on `host`; the caller must tolerate losing a race for it. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** True when a TCP connect to host:port succeeds now. */
export function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => {
      socket.destroy();
      done(false);
    });
  });
}

export interface WaitForPortOptions {
  timeoutMs: number;
  /** Why waiting is pointless now (the process that should listen exited), or undefined. */
  gone?: () => string | undefined;
  /**
   * A command prefix the connect check runs under (`ip netns exec <ns>`), for a port that is
   * reachable only from inside a network namespace.
   */
  via?: readonly string[];
  /** Time between attempts; default 50 ms, 100 ms under `via` (each attempt starts a node). */
  intervalMs?: number;
}

/**
 * Resolves once something accepts connections on host:port; rejects when `gone` says why it
 * never will, or after `timeoutMs`.
 */
export async function waitForPort(host: string, port: number, options: WaitForPortOptions): Promise<void> {
  const { via, gone } = options;
  const inside = via !== undefined && via.length > 0;
  const attempt = inside
    ? () => acceptsConnectionsVia(via, host, port)
    : () => acceptsConnections(host, port);
  let why: string | undefined;
  const open = await waitUntil(
    async () => {
      if (await attempt()) return true;
      why = gone?.();
      return why !== undefined;
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? (inside ? 100 : 50) },
  );
  if (why !== undefined) throw new Error(why);
  if (!open) throw new Error(`nothing listens on ${host}:${port} after ${options.timeoutMs} ms`);
}

/** A one-line node connect check under `via`; true when it connected. */
function acceptsConnectionsVia(via: readonly string[], host: string, port: number): Promise<boolean> {
  const check = `require('net').connect(${port}, ${JSON.stringify(host)}).on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  return new Promise((resolve) =>
    execFile(via[0]!, [...via.slice(1), process.execPath, '-e', check], (err) => resolve(!err)),
  );
}
