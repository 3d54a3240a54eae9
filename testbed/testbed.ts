/**
 * `startTestbed`: the embedded reference platform in one call. A cloud broker (the aedes cluster
 * or mosquitto) and N edge gateways bridging to it, on loopback, or with `lab: true` on lab
 * hosts (network namespaces, root only). Every process is a fault target by role name, and a
 * state file lets `squall testbed down` in another shell tear down exactly this run.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createFaultProxy, type FaultProxy } from '../agents/proxy/fault-proxy.js';
import { SquallError } from '../engine/core/errors.js';
import type { ManagedProcess } from '../engine/core/faults.js';
import { startCloudCluster } from './cloud/cluster.js';
import type { OverflowPolicy } from './edge/disk-queue.js';
import { type EdgeGatewayHandle, startEdgeGateway } from './edge/edge.js';
import { isRoot } from './lab/ip.js';
import { cloudAddress, createLab, type LabTopology } from './lab/topology.js';
import { type MosquittoBroker, startMosquitto } from './mosquitto.js';
import { CloudBrokerSlot } from './roles.js';
import type { BreakerOptions } from './services/downstream-client.js';
import type { ServiceProcess } from './services/service-process.js';
import {
  type FloodOptions,
  type IngestServices,
  startFlood,
  startIngestServices,
} from './services/services.js';
import { removeFromSharedDir, writeInSharedDir } from './shared-dir.js';
import { TESTBED_STATE_DIR, type TestbedState } from './state.js';

export { TESTBED_STATE_DIR, type TestbedState } from './state.js';

export type CloudBrokerKind = 'aedes' | 'mosquitto';

export interface TestbedOptions {
  /** Lab hosts in network namespaces (root only); loopback otherwise. */
  lab?: boolean;
  broker?: CloudBrokerKind;
  /** aedes worker processes (default 2). */
  workers?: number;
  /**
   * A second, independent cloud broker of the same kind (a one-worker aedes cluster, or
   * mosquitto), for disaster-recovery failover: broker and process `cloud-standby`, sharing
   * nothing with `cloud`. In lab mode it runs on its own host `cloud-2`.
   */
  standby?: boolean;
  /** Edge gateways (default 1). */
  gateways?: number;
  /** Topics the gateways forward to the cloud (default everything). */
  forward?: string[];
  maxQueueMessages?: number;
  overflow?: OverflowPolicy;
  /** Where state files go (default <tmpdir>/squall-testbed). */
  stateDir?: string;
  /**
   * Loopback only: put a fault proxy (`edge-<i>-uplink`) between each gateway's bridge and the
   * cloud, so `proxy.*` faults (down, latency, ...) act on the gateway→cloud path without root.
   */
  uplinkProxy?: boolean;
  /** aedes only: per-tenant publish rate across the cluster (cloud/tenant-bulkhead.ts). */
  tenantLimitPerS?: number;
  /**
   * Loopback only: a fault proxy `cloud-sink` in front of the cloud broker, named as a broker
   * too, so a consumer (the fleet's sink) subscribing through it can be slowed with `proxy.*`.
   */
  sinkProxy?: boolean;
  /**
   * Loopback only: the cloud ingest service and its downstream dependency (services/services.ts):
   * processes `ingest` and `downstream`, fault proxy `ingest-downstream` between them.
   */
  ingest?: { port?: number; topic?: string; breaker?: Partial<BreakerOptions> };
  /** Loopback only: a noisy tenant flooding the cloud broker, as process `flood` (services/flood-main.ts). */
  flood?: Omit<FloodOptions, 'cloudUrl'>;
}

export interface TestbedEndpoint {
  role: string;
  /** MQTT URL; in lab mode reachable from inside the lab. */
  url: string;
  /** Lab host (namespace) it runs on. */
  netns?: string;
  address?: string;
}

export interface Testbed {
  readonly id: string;
  readonly mode: 'loopback' | 'lab';
  readonly broker: CloudBrokerKind;
  readonly statePath: string;
  readonly lab: LabTopology | undefined;
  /** `cloud`, `cloud-standby` (with `standby`), `edge-1`, ... */
  readonly endpoints: readonly TestbedEndpoint[];
  /** Broker URLs by name, for an experiment's `system.brokers`. */
  brokers(): Record<string, string>;
  /** Fault targets by role name: `cloud-broker`, `cloud-worker-<i>`, `cloud-standby`, `edge-<i>`. */
  processes(): ManagedProcess[];
  process(role: string): ManagedProcess;
  readonly gateways: readonly EdgeGatewayHandle[];
  /** With `uplinkProxy`: `edge-<i>-uplink` → the fault proxy on that gateway's uplink. */
  readonly uplinks: ReadonlyMap<string, FaultProxy>;
  /** Every fault proxy: the uplinks, `cloud-sink` and `ingest-downstream` when asked for. */
  readonly proxies: ReadonlyMap<string, FaultProxy>;
  /** Human-readable addresses, one line each. */
  describe(): string;
  /** Stops everything, removes namespaces, temp dirs and the state file. Idempotent. */
  stop(): Promise<void>;
}

const LAB_MQTT_PORT = 1883;

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const broker = options.broker ?? 'aedes';
  if (broker !== 'aedes' && broker !== 'mosquitto') {
    throw new SquallError('SQUALL_USAGE', `--broker must be aedes or mosquitto, got '${broker}'`);
  }
  const gatewaysN = options.gateways ?? 1;
  if (!Number.isInteger(gatewaysN) || gatewaysN < 0) {
    throw new SquallError('SQUALL_USAGE', `--gateways must be a non-negative integer, got ${gatewaysN}`);
  }
  if (options.lab && (options.sinkProxy || options.ingest || options.flood)) {
    throw new SquallError('SQUALL_USAGE', 'sinkProxy, ingest and flood are for the loopback testbed');
  }
  if (options.lab && options.uplinkProxy) {
    throw new SquallError(
      'SQUALL_USAGE',
      'uplinkProxy is for the loopback testbed; in lab mode partition the uplink with nft.partition',
    );
  }
  if (options.lab && !isRoot()) {
    throw new SquallError(
      'SQUALL_USAGE',
      '--lab needs root (network namespaces); run without --lab for loopback',
    );
  }
  const mode = options.lab ? 'lab' : 'loopback';
  const stateDir = options.stateDir ?? TESTBED_STATE_DIR;

  let lab: LabTopology | undefined;
  let cloudSlot: CloudBrokerSlot | undefined;
  let mosquitto: MosquittoBroker | undefined;
  let standbySlot: CloudBrokerSlot | undefined;
  let standbyMosquitto: MosquittoBroker | undefined;
  const gateways: EdgeGatewayHandle[] = [];
  const uplinks = new Map<string, FaultProxy>();
  let sinkProxy: FaultProxy | undefined;
  let services: IngestServices | undefined;
  let flood: ServiceProcess | undefined;
  let id = `sq${randomBytes(2).toString('hex')}`;
  let statePath = path.join(stateDir, `${id}.json`);
  let stopped = false;
  let refreshTimer: NodeJS.Timeout | undefined;
  let pendingWrite: Promise<void> = Promise.resolve();

  const stopAll = async () => {
    clearInterval(refreshTimer);
    await pendingWrite; // a refresh landing after the rm below would resurrect the state file
    // Reverse order of start; each step swallows its own failure so the rest still runs.
    await Promise.all(gateways.map((g) => g.stop().catch(() => undefined)));
    await Promise.all([...uplinks.values()].map((p) => p.stop().catch(() => undefined)));
    await services?.stop().catch(() => undefined);
    await flood?.stop().catch(() => undefined);
    await sinkProxy?.stop().catch(() => undefined); // the services stop their own proxy
    await cloudSlot?.cluster.stop().catch(() => undefined);
    await mosquitto?.stop().catch(() => undefined);
    await standbySlot?.cluster.stop().catch(() => undefined);
    await standbyMosquitto?.stop().catch(() => undefined);
    await lab?.destroy().catch(() => undefined);
    await removeFromSharedDir(stateDir, path.basename(statePath));
  };

  try {
    if (options.lab) {
      lab = await createLab({ edges: Math.max(1, gatewaysN), standby: options.standby ?? false });
      id = lab.prefix;
      statePath = path.join(stateDir, `${id}.json`);
    }
    const cloudHost = lab?.host('cloud-1');
    let cloudUrl: string;
    if (broker === 'aedes') {
      const clusterOptions = {
        workers: options.workers ?? 2,
        ...(options.tenantLimitPerS && { tenantLimitPerS: options.tenantLimitPerS }),
        ...(cloudHost && { host: '0.0.0.0', port: LAB_MQTT_PORT, wrapper: cloudHost.wrapper }),
      };
      cloudSlot = new CloudBrokerSlot(await startCloudCluster(clusterOptions), clusterOptions);
      cloudUrl = cloudHost ? `mqtt://${cloudAddress()}:${LAB_MQTT_PORT}` : cloudSlot.cluster.url;
    } else {
      mosquitto = await startMosquitto(
        cloudHost ? { host: '0.0.0.0', port: LAB_MQTT_PORT, wrapper: cloudHost.wrapper } : {},
      );
      cloudUrl = cloudHost ? `mqtt://${cloudAddress()}:${LAB_MQTT_PORT}` : mosquitto.url;
    }
    let standbyUrl: string | undefined;
    if (options.standby) {
      const standbyHost = lab?.host('cloud-2');
      const inLab = standbyHost && { host: '0.0.0.0', port: LAB_MQTT_PORT, wrapper: standbyHost.wrapper };
      if (broker === 'aedes') {
        const standbyOptions = { workers: 1, ...inLab };
        standbySlot = new CloudBrokerSlot(await startCloudCluster(standbyOptions), standbyOptions, {
          name: 'cloud-standby',
          workers: false,
        });
        standbyUrl = standbySlot.cluster.url;
      } else {
        standbyMosquitto = await startMosquitto(inLab || {});
        standbyUrl = standbyMosquitto.url;
      }
      if (standbyHost) standbyUrl = `mqtt://${standbyHost.address}:${LAB_MQTT_PORT}`;
    }
    for (let i = 1; i <= gatewaysN; i++) {
      const edgeHost = lab?.host(`edge-${i}`);
      let uplinkUrl = cloudUrl;
      if (options.uplinkProxy) {
        const cloud = new URL(cloudUrl);
        // Its own loopback address per gateway (127.0.77.<i>), so an address-scoped fault
        // (nft.loss with peers: [127.0.77.1]) hits this uplink and nothing else on the host.
        const proxy = createFaultProxy({
          name: `edge-${i}-uplink`,
          listen: `127.0.77.${i}:0`,
          upstream: `${cloud.hostname}:${cloud.port}`,
        });
        const bound = await proxy.start();
        uplinks.set(proxy.name, proxy);
        uplinkUrl = `mqtt://${bound.host}:${bound.port}`;
      }
      gateways.push(
        await startEdgeGateway({
          name: `edge-${i}`,
          cloudUrl: uplinkUrl,
          ...(options.forward && { forward: options.forward }),
          ...(options.maxQueueMessages && { maxQueueMessages: options.maxQueueMessages }),
          ...(options.overflow && { overflow: options.overflow }),
          ...(edgeHost && {
            host: '0.0.0.0',
            port: LAB_MQTT_PORT,
            metricsHost: '0.0.0.0',
            wrapper: edgeHost.wrapper,
          }),
        }),
      );
    }

    if (options.sinkProxy) {
      const cloud = new URL(cloudUrl);
      sinkProxy = createFaultProxy({
        name: 'cloud-sink',
        listen: '127.0.0.1:0',
        upstream: `${cloud.hostname}:${cloud.port}`,
      });
      await sinkProxy.start();
    }
    if (options.ingest) services = await startIngestServices({ cloudUrl, ...options.ingest });
    if (options.flood) flood = await startFlood({ cloudUrl, ...options.flood });

    const endpoints: TestbedEndpoint[] = [
      {
        role: 'cloud',
        url: cloudUrl,
        ...(cloudHost && { netns: cloudHost.netns, address: cloudHost.address }),
      },
      ...(standbyUrl
        ? [
            {
              role: 'cloud-standby',
              url: standbyUrl,
              ...(lab && { netns: lab.host('cloud-2').netns, address: lab.host('cloud-2').address }),
            },
          ]
        : []),
      ...gateways.map((g, i) => {
        const h = lab?.host(`edge-${i + 1}`);
        return {
          role: g.name,
          url: h ? `mqtt://${h.address}:${LAB_MQTT_PORT}` : g.url,
          ...(h && { netns: h.netns, address: h.address }),
        };
      }),
      ...(sinkProxy ? [{ role: sinkProxy.name, url: `mqtt://${sinkProxy.listen}` }] : []),
    ];

    const processes = (): ManagedProcess[] => [
      ...(cloudSlot ? cloudSlot.roles() : []),
      ...(mosquitto ? [mosquitto.asManagedProcess('cloud-broker')] : []),
      ...(standbySlot ? standbySlot.roles() : []),
      ...(standbyMosquitto ? [standbyMosquitto.asManagedProcess('cloud-standby')] : []),
      ...gateways.map((g) => g.asManagedProcess()),
      ...(services ? services.processes() : []),
      ...(flood ? [flood.asManagedProcess()] : []),
    ];

    const state = (): TestbedState => ({
      id,
      mode,
      ownerPid: process.pid,
      createdAt: new Date().toISOString(),
      ...(lab && { labPrefix: lab.prefix }),
      pids: [
        ...processes()
          .map((p) => p.pid())
          .filter((p): p is number => p !== undefined),
        // The standby's worker is no fault target of its own, but `down` must find it too.
        ...(standbySlot?.cluster.workerPids().filter((p) => p > 0) ?? []),
      ],
      processes: Object.fromEntries(
        processes().flatMap((p) => {
          const pid = p.pid();
          return pid === undefined ? [] : [[p.name, pid]];
        }),
      ),
      dirs: [
        ...gateways.map((g) => g.dataDir),
        ...(mosquitto ? [mosquitto.dir] : []),
        ...(standbyMosquitto ? [standbyMosquitto.dir] : []),
      ],
      endpoints: Object.fromEntries(endpoints.map((e) => [e.role, e.url])),
    });
    const writeState = (s: TestbedState) =>
      writeInSharedDir(stateDir, path.basename(statePath), JSON.stringify(s, null, 2));
    await writeState(state());
    // Faults restart processes under new PIDs; keep the state file naming the live ones, so a
    // `down` after our own crash still finds, say, a restarted mosquitto (it has no IPC to us).
    let lastPids = state().pids.join(',');
    refreshTimer = setInterval(() => {
      const now = state();
      if (stopped || now.pids.join(',') === lastPids) return;
      lastPids = now.pids.join(',');
      pendingWrite = writeState(now).catch(() => undefined);
    }, 1000);
    refreshTimer.unref();

    const testbed: Testbed = {
      id,
      mode,
      broker,
      statePath,
      lab,
      endpoints,
      gateways,
      uplinks,
      proxies: new Map([
        ...uplinks,
        ...(sinkProxy ? [[sinkProxy.name, sinkProxy] as const] : []),
        ...(services ? [[services.proxy.name, services.proxy] as const] : []),
      ]),
      brokers: () => Object.fromEntries(endpoints.map((e) => [e.role, e.url])),
      processes,
      process(role) {
        const found = processes().find((p) => p.name === role);
        if (!found) {
          throw new SquallError(
            'SQUALL_TARGET_NOT_FOUND',
            `no testbed process '${role}'; have ${processes()
              .map((p) => p.name)
              .join(', ')}`,
          );
        }
        return found;
      },
      describe() {
        const lines = [`testbed ${id} (${mode}, cloud broker: ${broker})`];
        for (const e of endpoints) {
          lines.push(`  ${e.role.padEnd(8)} ${e.url}${e.netns ? `  [netns ${e.netns}, ${e.address}]` : ''}`);
        }
        if (cloudSlot && !lab) lines.push(`  metrics  ${cloudSlot.cluster.metricsUrl}`);
        if (standbySlot && !lab) lines.push(`  metrics  ${standbySlot.cluster.metricsUrl}  (cloud-standby)`);
        for (const g of gateways) if (!lab) lines.push(`  metrics  ${g.metricsUrl}  (${g.name})`);
        for (const p of uplinks.values()) lines.push(`  uplink   ${p.name} ${p.listen} -> ${p.upstream}`);
        if (sinkProxy) lines.push(`  proxy    cloud-sink -> ${cloudUrl} (for a consumer)`);
        if (services) lines.push(...services.describe());
        if (flood) lines.push(`  flood    http://127.0.0.1:${flood.port}  (/stats, /acked?max=<n>)`);
        lines.push(
          `  fault targets: ${processes()
            .map((p) => `${p.name}=${p.pid() ?? '-'}`)
            .join(' ')}`,
        );
        lines.push(`  state: ${statePath}`);
        return lines.join('\n');
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
    return testbed;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
