/**
 * `startIngestServices`: the testbed's cloud-side application, started when an experiment asks
 * for it (`system.testbed.ingest`). Three parts, each a fault target by name:
 *
 *   cloud broker ──► ingest (process `ingest`, HTTP API on `port`)
 *                      └─► fault proxy `ingest-downstream` ──► downstream (process `downstream`)
 *
 * The proxy lets `proxy.latency` (and the other `proxy.*` faults) make the dependency slow or
 * unreachable without root; `process.pause` / `process.kill` act on either process.
 */

import { createFaultProxy, type FaultProxy } from '../../agents/proxy/fault-proxy.js';
import type { ManagedProcess } from '../../engine/core/faults.js';
import { TESTBED_NAMES } from '../../engine/spec/testbed-names.js';
import { entryPoint } from '../entry.js';
import { type BreakerOptions, DEFAULT_BREAKER } from './downstream-client.js';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

export interface IngestServicesOptions {
  /** The cloud broker the ingest subscribes to. */
  cloudUrl: string;
  /** The ingest's HTTP API port on 127.0.0.1; 0 picks a free one (probes need a fixed one). */
  port?: number;
  /** Telemetry topic filter (default `t/#`). */
  topic?: string;
  breaker?: Partial<BreakerOptions>;
}

export interface IngestServices {
  /** `http://127.0.0.1:<port>` of the ingest's API. */
  readonly url: string;
  readonly proxy: FaultProxy;
  /** `ingest`, `downstream`. */
  processes(): ManagedProcess[];
  pids(): number[];
  describe(): string[];
  stop(): Promise<void>;
}

export async function startIngestServices(o: IngestServicesOptions): Promise<IngestServices> {
  const started: ServiceProcess[] = [];
  let proxy: FaultProxy | undefined;
  const stopAll = async () => {
    // The ingest first, so it does not count the dependency's shutdown as failures.
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
    await proxy?.stop().catch(() => undefined);
  };
  try {
    const downstream = await startServiceProcess({
      name: 'downstream',
      entry: entryPoint(import.meta.url, './downstream-main'),
      optionsVar: 'SQUALL_DOWNSTREAM_OPTIONS',
      options: { port: 0 },
    });
    started.push(downstream);
    proxy = createFaultProxy({
      name: TESTBED_NAMES.ingestProxy,
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${downstream.port}`,
    });
    const bound = await proxy.start();
    const ingest = await startServiceProcess({
      name: 'ingest',
      entry: entryPoint(import.meta.url, './ingest-main'),
      optionsVar: 'SQUALL_INGEST_OPTIONS',
      options: {
        port: o.port ?? 0,
        brokerUrl: o.cloudUrl,
        ...(o.topic && { topic: o.topic }),
        downstreamUrl: `http://${bound.host}:${bound.port}`,
        breaker: { ...DEFAULT_BREAKER, ...o.breaker },
      },
    });
    started.push(ingest);
    const p = proxy;
    return {
      url: `http://127.0.0.1:${ingest.port}`,
      proxy: p,
      processes: () => started.map((s) => s.asManagedProcess()),
      pids: () => started.map((s) => s.pid()).filter((pid): pid is number => pid !== undefined),
      describe: () => [
        `  ingest   http://127.0.0.1:${ingest.port}  (breaker: /breaker, /lookup/<device>)`,
        `  proxy    ${p.name} ${p.listen} -> ${p.upstream} (downstream)`,
      ],
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export interface FloodOptions {
  cloudUrl: string;
  /** The noisy tenant: publishes go to `t/<tenant>/f/<i>`. */
  tenant: string;
  connections: number;
  /** Per connection: one publish every this many ms. */
  everyMs: number;
  /** Its HTTP API on 127.0.0.1 (`/stats`, `/acked?max=`); 0 picks a free port. */
  port?: number;
}

/** A noisy tenant as process `flood` (flood-main.ts), outside the fleet and its accounting. */
export function startFlood(o: FloodOptions): Promise<ServiceProcess> {
  return startServiceProcess({
    name: 'flood',
    entry: entryPoint(import.meta.url, './flood-main'),
    optionsVar: 'SQUALL_FLOOD_OPTIONS',
    options: {
      port: o.port ?? 0,
      brokerUrl: o.cloudUrl,
      tenant: o.tenant,
      connections: o.connections,
      everyMs: o.everyMs,
    },
  });
}
