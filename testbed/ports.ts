/** Loopback port helpers for testbed processes that cannot bind port 0 themselves. */
import net from 'node:net';

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

/** Resolves once a TCP connect to host:port succeeds; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!isAlive()) throw new Error('process exited before it listened');
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Like `waitForPort`, but from inside a namespace: runs a one-line node connect check under
 * `wrapper` (e.g. `ip netns exec <ns>`) until it succeeds.
 */
export async function waitForPortIn(
  wrapper: readonly string[],
  host: string,
  port: number,
  timeoutMs: number,
  isAlive = () => true,
) {
  const { execFile } = await import('node:child_process');
  const check = `require('net').connect(${port}, ${JSON.stringify(host)}).on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) =>
      execFile(wrapper[0]!, [...wrapper.slice(1), process.execPath, '-e', check], (err) => resolve(!err)),
    );
    if (ok) return;
    if (!isAlive()) throw new Error('process exited before it listened');
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
