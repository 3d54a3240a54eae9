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
import { type CloudBrokerKind, TESTBED_NAMES } from '../engine/spec/testbed-names.js';
import { type CloudBroker, LAB_MQTT_PORT, startCloudBroker } from './cloud-broker.js';
import { type EdgeGatewayHandle, startEdgeGateway } from './edge/edge.js';
import { createLab, type LabTopology } from './lab/topology.js';
import type { ServiceProcess } from './services/service-process.js';
import { type IngestServices, startFlood, startIngestServices } from './services/services.js';
import { removeFromSharedDir, writeInSharedDir } from './shared-dir.js';
import { TESTBED_STATE_DIR, type TestbedState } from './state.js';
import { checkTestbedOptions, type TestbedOptions } from './testbed-options.js';

export { TESTBED_STATE_DIR, type TestbedState } from './state.js';

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

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  checkTestbedOptions(options);
  const broker = options.broker ?? 'aedes';
  const gatewaysN = options.gateways ?? 1;
  const mode = options.lab ? 'lab' : 'loopback';
  const stateDir = options.stateDir ?? TESTBED_STATE_DIR;

  let lab: LabTopology | undefined;
  let cloudBroker: CloudBroker | undefined;
  let standby: CloudBroker | undefined;
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
    await cloudBroker?.stop().catch(() => undefined);
    await standby?.stop().catch(() => undefined);
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
    cloudBroker = await startCloudBroker(broker, {
      role: 'cloud-broker',
      workers: options.workers ?? 2,
      workerRoles: true,
      ...(options.tenantLimitPerS && { tenantLimitPerS: options.tenantLimitPerS }),
      ...(options.metricsPort && { metricsPort: options.metricsPort }),
      ...(cloudHost && { labHost: cloudHost }),
    });
    const cloudUrl = cloudBroker.url;
    if (options.standby) {
      const standbyHost = lab?.host('cloud-2');
      standby = await startCloudBroker(broker, {
        role: TESTBED_NAMES.standby,
        workers: 1,
        workerRoles: false,
        ...(standbyHost && { labHost: standbyHost }),
      });
    }
    for (let i = 1; i <= gatewaysN; i++) {
      const name = TESTBED_NAMES.edge(i);
      const edgeHost = lab?.host(name);
      let uplinkUrl = cloudUrl;
      if (options.uplinkProxy) {
        const cloud = new URL(cloudUrl);
        // Its own loopback address per gateway (127.0.77.<i>), so an address-scoped fault
        // (nft.loss with peers: [127.0.77.1]) hits this uplink and nothing else on the host.
        const proxy = createFaultProxy({
          name: TESTBED_NAMES.uplinkProxy(i),
          listen: `127.0.77.${i}:0`,
          upstream: `${cloud.hostname}:${cloud.port}`,
        });
        const bound = await proxy.start();
        uplinks.set(proxy.name, proxy);
        uplinkUrl = `mqtt://${bound.host}:${bound.port}`;
      }
      gateways.push(
        await startEdgeGateway({
          name,
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
        name: TESTBED_NAMES.sinkProxy,
        listen: '127.0.0.1:0',
        upstream: `${cloud.hostname}:${cloud.port}`,
      });
      await sinkProxy.start();
    }
    if (options.ingest) services = await startIngestServices({ cloudUrl, ...options.ingest });
    if (options.flood) flood = await startFlood({ cloudUrl, ...options.flood });

    const endpoints: TestbedEndpoint[] = [
      { role: TESTBED_NAMES.cloud, url: cloudUrl, ...(cloudHost && hostOf(cloudHost)) },
      ...(standby
        ? [{ role: TESTBED_NAMES.standby, url: standby.url, ...(lab && hostOf(lab.host('cloud-2'))) }]
        : []),
      ...gateways.map((g) => {
        const h = lab?.host(g.name);
        return { role: g.name, url: h ? `mqtt://${h.address}:${LAB_MQTT_PORT}` : g.url, ...(h && hostOf(h)) };
      }),
      ...(sinkProxy ? [{ role: sinkProxy.name, url: `mqtt://${sinkProxy.listen}` }] : []),
    ];
    const brokersStarted = [cloudBroker, ...(standby ? [standby] : [])];

    const processes = (): ManagedProcess[] => [
      ...brokersStarted.flatMap((b) => b.roles()),
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
        ...brokersStarted.flatMap((b) => b.unlistedPids()),
      ],
      processes: Object.fromEntries(
        processes().flatMap((p) => {
          const pid = p.pid();
          return pid === undefined ? [] : [[p.name, pid]];
        }),
      ),
      dirs: [...gateways.map((g) => g.dataDir), ...brokersStarted.flatMap((b) => b.dirs)],
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
        if (!lab) {
          const cloudMetrics = cloudBroker?.metricsUrl();
          const standbyMetrics = standby?.metricsUrl();
          if (cloudMetrics) lines.push(`  metrics  ${cloudMetrics}`);
          if (standbyMetrics) lines.push(`  metrics  ${standbyMetrics}  (${TESTBED_NAMES.standby})`);
          for (const g of gateways) lines.push(`  metrics  ${g.metricsUrl}  (${g.name})`);
        }
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

const hostOf = (h: { netns: string; address: string }) => ({ netns: h.netns, address: h.address });
