/**
 * An aedes broker in its own process for the fleet benchmarks: prints nothing, sends its port
 * over IPC, and exits when the parent disconnects.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker({ concurrency: 1000 });
const server = net.createServer((socket) => aedes.handle(socket));
server.maxConnections = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as net.AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));
