/**
 * A loopback TCP proxy that can partition: while partitioned it moves no bytes either way and
 * holds new connections unconnected, as a dropped link looks to TCP (nothing arrives, nothing
 * is refused); healing delivers what was held, as TCP retransmission would.
 */
import net from 'node:net';

export interface PartitionProxy {
  readonly port: number;
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(
  upstreamPort: number,
  upstreamHost = '127.0.0.1',
): Promise<PartitionProxy> {
  let partitioned = false;
  const sockets = new Set<net.Socket>();
  /** Chunks and connects waiting for the heal, in arrival order. */
  let held: (() => void)[] = [];
  const later = (fn: () => void) => (partitioned ? held.push(fn) : fn());

  const server = net.createServer((client) => {
    sockets.add(client);
    let upstream: net.Socket | undefined;
    const toUpstream: Buffer[] = [];
    const cleanup = () => {
      client.destroy();
      upstream?.destroy();
      sockets.delete(client);
      if (upstream) sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    client.on('data', (chunk: Buffer) =>
      later(() => (upstream ? upstream.write(chunk) : toUpstream.push(chunk))),
    );
    later(() => {
      if (client.destroyed) return;
      upstream = net.connect(upstreamPort, upstreamHost);
      sockets.add(upstream);
      upstream.on('error', cleanup).on('close', cleanup);
      upstream.on('data', (chunk: Buffer) => later(() => client.write(chunk)));
      for (const chunk of toUpstream.splice(0)) upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as net.AddressInfo).port,
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      const run = held;
      held = [];
      for (const fn of run) fn();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
