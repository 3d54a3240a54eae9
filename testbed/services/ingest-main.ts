/**
 * Entry point of the testbed's `ingest` process (forked by services.ts): binds the ingest's HTTP
 * API and subscribes to the cloud broker. Options arrive as JSON in SQUALL_INGEST_OPTIONS.
 * Breaker transitions go to stdout with their epoch time (`ingest: breaker open at <ms>`), so a
 * run's output can be lined up with its journal.
 */
import type { AddressInfo } from 'node:net';
import type { BreakerOptions } from './downstream-client.js';
import { createIngest } from './ingest.js';
import type { ServiceMessage } from './service-process.js';

interface IngestMainOptions {
  port: number;
  host?: string;
  brokerUrl: string;
  topic?: string;
  downstreamUrl: string;
  breaker: BreakerOptions;
}

const opts = JSON.parse(process.env.SQUALL_INGEST_OPTIONS ?? '{}') as IngestMainOptions;
const send = (msg: ServiceMessage) => process.send?.(msg);

const ingest = createIngest({
  ...opts,
  onTransition: (t) => process.stdout.write(`ingest: breaker ${t.state} at ${t.atMs}\n`),
});
try {
  await ingest.start();
  await new Promise<void>((resolve, reject) => {
    ingest.server.once('error', reject);
    ingest.server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  send({ t: 'ready', port: (ingest.server.address() as AddressInfo).port });
} catch (err) {
  send({ t: 'fatal', message: (err as Error).message });
  process.exit(1);
}

const stop = () => void ingest.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
