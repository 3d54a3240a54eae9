/**
 * One shard of the minimal server for bench/fleet-1m.ts, in its own process: it answers a
 * CONNECT with the fixed CONNACK `20 02 00 00` and each PINGREQ with a PINGRESP, and holds the
 * connection; nothing else is parsed (no sessions, no routing: it measures the clients, and
 * gives the least a server can spend per connection). One process per port: Node 20's
 * net.Server has no SO_REUSEPORT (`reusePort` is Node 22.12+), and the cluster module's
 * round-robin passes every accepted socket through the primary, one process that would
 * have to take all the connects; distinct ports also stand for a broker cluster's endpoints.
 * Each process stays below the 20,000 open-files limit.
 */
import net from 'node:net';

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);
const PINGREQ = 0xc0;

export type ServerMessage = { t: 'port'; port: number } | { t: 'open'; open: number };

let open = 0;
const server = net.createServer((socket) => {
  open++;
  socket.on('error', () => {});
  socket.once('close', () => open--);
  socket.on('data', (chunk: Buffer) => {
    // The CONNECT is the first chunk on its own (the client waits for CONNACK); later chunks
    // are PINGREQs (2 bytes each, maybe several coalesced) or a DISCONNECT.
    if (chunk[0] === 0x10) socket.write(CONNACK);
    else for (let i = 0; i + 1 < chunk.length; i += 2) if (chunk[i] === PINGREQ) socket.write(PINGRESP);
  });
});
// The backlog at somaxconn (4096 here): a full accept queue would cost the clients SYN retries.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () =>
  process.send!({ t: 'port', port: (server.address() as net.AddressInfo).port } satisfies ServerMessage),
);
process.on('message', () => process.send!({ t: 'open', open } satisfies ServerMessage));
process.on('disconnect', () => process.exit(0));
