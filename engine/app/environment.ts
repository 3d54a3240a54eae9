/**
 * The default run environment: stands up the experiment's `system:` section (managed
 * processes, fault proxies), its probes, and the in-process local agent; tears all of it down
 * afterwards. Tests can hand in proxies or processes they own, so they can check real state
 * after the run.
 */
import { dirname, join } from 'node:path';
import { createLocalAgent } from '../../agents/local/local-agent.js';
import { startManagedProcesses } from '../../agents/local/managed-processes.js';
import { startProxies, stopProxies } from '../../agents/proxy/start-proxies.js';
import { createFleet } from '../../simulator/fleet.js';
import { type FleetConfig, toFleetConfig } from '../../simulator/fleet-config.js';
import { startEmbeddedTestbed } from '../../testbed/engine-hook.js';
import {
  type AgentAddressSpec,
  type AgentConnection,
  type ConnectOptions,
  connectAgent,
} from '../controller/agent-connection.js';
import { createDistributedFleet, type DistributedFleet } from '../controller/fleet-split.js';
import { SquallError } from '../core/errors.js';
import type { FaultInjector, ManagedProcess, ProxyHandle, SessionLoss } from '../core/faults.js';
import type { MetricsSource } from '../core/metrics.js';
import { probeKinds } from '../probes/catalog.js';
import type { EnvironmentFactory, RunEnvironment } from '../run/runner.js';
import type { FleetSpec } from '../spec/fleet-spec.js';
import type { TestbedSpec } from '../spec/schema.js';
import { noSourceMap } from '../spec/source-map.js';
import { onlyHostsFleet, runAgents } from './agent-specs.js';
import { logHostTotals } from './fleet-hosts.js';
import { startPromqlSources } from './promql-sources.js';
import { checkRemoteCapacity, statfsPathsByAgent } from './remote-capacity.js';

export interface EnvironmentExtras {
  /** Proxies owned by the caller, targetable by name alongside `system.proxies`. */
  proxies?: Map<string, ProxyHandle>;
  /** Processes owned by the caller, targetable by name alongside `system.processes`. */
  processes?: Map<string, ManagedProcess>;
  /** How remote agents are connected (TLS base dir, lease ttl); see `connectAgent`. */
  agentOptions?: ConnectOptions;
}

/** Connects every agent under `agents:` except `local`, all or none; `statfsPaths` per agent name. */
async function connectAgents(
  specs: Record<string, AgentAddressSpec>,
  options: ConnectOptions,
  statfsPaths: Map<string, string[]>,
): Promise<AgentConnection[]> {
  const names = Object.keys(specs).filter((name) => name !== 'local');
  const settled = await Promise.allSettled(
    names.map((name) => connectAgent(name, specs[name]!, { ...options, statfsPaths: statfsPaths.get(name) })),
  );
  const connected = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length > 0) {
    await Promise.allSettled(connected.map((c) => c.close()));
    throw failed[0];
  }
  for (const c of connected) {
    options.log?.(
      `agent '${c.name}': clock offset ${c.clockOffsetMs().toFixed(1)} ms (rtt ${c.rttMs().toFixed(1)} ms)`,
    );
  }
  return connected;
}

export function createDefaultEnvironment(extras: EnvironmentExtras = {}): EnvironmentFactory {
  return async (experiment, { runDir, log, file, sliceMs, source }): Promise<RunEnvironment> => {
    // Teardown runs in reverse start order, also when a later step fails.
    const stops: (() => Promise<unknown>)[] = [];
    const teardown = async () => {
      for (const stop of stops.reverse())
        await stop().catch((err: unknown) => log(`teardown: ${(err as Error).message}`));
    };
    // A lost session is kept until the runner watches (it may happen during setup).
    const losses: SessionLoss[] = [];
    let onLost: ((loss: SessionLoss) => void) | undefined;
    let splitFleet: DistributedFleet | undefined;
    try {
      // Probe kinds first: a probe this machine cannot run (k6 not installed) fails the run
      // before any agent is connected or anything is started.
      const probeContext = { runDir, baseDir: file ? dirname(file) : process.cwd(), sliceMs, log };
      const probes = experiment.probes.map((probe) => {
        const kind = probeKinds.get(probe.kind);
        if (!kind) throw new SquallError('SQUALL_PROBE_FAILED', probeKinds.unknownMessage(probe.kind));
        const params = kind.params.parse(probe.params);
        kind.checkHost?.(probe, params, probeContext);
        return { probe, kind, params };
      });
      const { specs, fleetAgents } = await runAgents(experiment, source, log);
      /** A host that only runs a fleet slice is the fleet's loss (its devices), not the run's. */
      const fleetHostLost = (loss: SessionLoss): boolean => {
        if (!splitFleet || !onlyHostsFleet(experiment, fleetAgents, loss.agent)) return false;
        const host = splitFleet.hostLost(loss.agent);
        if (!host) return false;
        const last = host.devices > 0 ? host.firstIndex + host.devices - 1 : host.firstIndex;
        log(
          `fleet host '${host.agent}' (${loss.address}) ended unexpectedly: ${loss.error.message}; its ${host.devices} devices (indexes ${host.firstIndex}–${last}) leave the fleet and count as one fleet.shard_crashes; what they reported sending until ${Number.isFinite(host.sentThroughMs) ? new Date(host.sentThroughMs).toISOString() : 'they reported'} stays expected, nothing after is; the run goes on with the other hosts`,
        );
        return true;
      };
      // Connect every remote agent first (version, drivers, clock offset, lease): an unreachable
      // or unauthorised agent fails the run before anything is started or injected.
      // Relative TLS paths under `agents:` are read from the experiment file's folder.
      const remote = await connectAgents(
        specs,
        {
          baseDir: file ? dirname(file) : process.cwd(),
          ...extras.agentOptions,
          onSessionLost: (loss) => {
            extras.agentOptions?.onSessionLost?.(loss);
            if (fleetHostLost(loss)) return;
            if (onLost) onLost(loss);
            else losses.push(loss);
          },
          log,
        },
        statfsPathsByAgent(experiment),
      );
      stops.push(() => Promise.allSettled(remote.map((c) => c.close())));
      // Before anything starts: stress faults that ask an agent for more than it reported.
      checkRemoteCapacity(experiment, remote, source ?? noSourceMap(file), log);

      const testbed = experiment.system.testbed
        ? await startTestbedFor(experiment.system.testbed, log)
        : undefined;
      if (testbed) stops.push(() => testbed.stop());

      const group = await startManagedProcesses(experiment.system.processes, {
        logDir: join(runDir, 'logs'),
        onUnexpectedExit: (e) =>
          log(
            `managed process '${e.name}' (pid ${e.pid}) exited unexpectedly (code ${e.code}, signal ${e.signal}); log: ${e.logFile}`,
          ),
        log,
      });
      stops.push(() => group.stopAll());

      const proxies = await startProxies(experiment.system.proxies, { log });
      stops.push(() => stopProxies(proxies));

      const sources: MetricsSource[] = probes.map(({ probe, kind, params }) =>
        kind.create(probe, params, probeContext),
      );
      // Prometheus sources after the testbed, which they may scrape; checked before any fault.
      sources.push(...(await startPromqlSources(experiment, source ?? noSourceMap(file), { sliceMs, log })));
      if (experiment.fleet) {
        const brokers = { ...(testbed?.brokers ?? {}), ...(experiment.system.brokers ?? {}) };
        const parsed = toFleetConfig(experiment.fleet, brokers, file ? dirname(file) : process.cwd());
        // Telemetry is dated on the runner's slice grid (docs/measurement.md).
        const config = { ...parsed, engine: { ...parsed.engine, bucketMs: sliceMs } };
        const shardAgents = fleetAgents;
        if (shardAgents.length) {
          // Shards on remote agents: each agent runs a slice of the devices; the first runs the sink.
          const fleet = await createDistributedFleet(
            config,
            shardAgents.map((name) => remote.find((c) => c.name === name)!),
          );
          splitFleet = fleet;
          // Stopped as a source (so the sink settles before the last slice) or, if setup fails
          // later, by teardown; whichever comes first.
          let stopped: Promise<void> | undefined;
          const stopFleet = () => {
            stopped ??= fleet.stop().then(() => logHostTotals(fleet, log));
            return stopped;
          };
          stops.push(stopFleet);
          sources.push({
            name: fleet.name,
            collect: () => fleet.collect(),
            settle: (untilMs) => fleet.settle(untilMs),
            stop: stopFleet,
          });
          log(
            `fleet: ${fleet.shards.map((s) => `${s.devices} devices`).join(' + ')} on agents ${shardAgents.join(', ')}`,
          );
        } else {
          sources.push(fleetSource(experiment.fleet, config, log));
        }
      }

      const agent = createLocalAgent({
        processes: new Map<string, ManagedProcess>([
          ...(testbed?.processes ?? []),
          ...group.processes,
          ...(extras.processes ?? []),
        ]),
        proxies: new Map<string, ProxyHandle>([
          ...(testbed?.proxies ?? []),
          ...proxies,
          ...(extras.proxies ?? []),
        ]),
        log,
      });
      return {
        injectors: new Map<string, FaultInjector>([
          ['local', agent],
          ...remote.map((c) => [c.name, c] as const),
        ]),
        sources,
        watchAgents(listener) {
          onLost = listener;
          for (const loss of losses.splice(0)) listener(loss);
        },
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  };
}

async function startTestbedFor(spec: TestbedSpec, log: (message: string) => void) {
  log(
    `starting the embedded testbed: ${spec.broker} cloud broker, ${spec.gateways} edge gateway(s)${spec.lab ? ', lab hosts in network namespaces' : ''}`,
  );
  const testbed = await startEmbeddedTestbed({
    broker: spec.broker,
    workers: spec.workers,
    gateways: spec.gateways,
    lab: spec.lab,
    ...(spec.forward ? { forward: spec.forward } : {}),
    ...(spec.queueMax ? { maxQueueMessages: spec.queueMax } : {}),
    ...(spec.overflow ? { overflow: spec.overflow } : {}),
    ...(spec.uplinkProxy ? { uplinkProxy: true } : {}),
    ...(spec.standby ? { standby: true } : {}),
    ...(spec.tenantLimit ? { tenantLimitPerS: spec.tenantLimit } : {}),
    ...(spec.metricsPort ? { metricsPort: spec.metricsPort } : {}),
    ...(spec.sinkProxy ? { sinkProxy: true } : {}),
    ...(spec.ingest ? { ingest: ingestOptions(spec.ingest) } : {}),
    ...(spec.flood
      ? {
          flood: {
            tenant: spec.flood.tenant,
            connections: spec.flood.connections,
            everyMs: spec.flood.every,
            port: spec.flood.port,
          },
        }
      : {}),
  });
  log(
    `testbed up: ${Object.entries(testbed.brokers)
      .map(([name, url]) => `${name} ${url}`)
      .join(
        ', ',
      )}${[...testbed.proxies.values()].map((p) => `; proxy ${p.name} ${p.listen} -> ${p.upstream}`).join('')}`,
  );
  return testbed;
}

function ingestOptions(spec: NonNullable<TestbedSpec['ingest']>) {
  return {
    port: spec.port,
    ...(spec.topic ? { topic: spec.topic } : {}),
    breaker: {
      timeoutMs: spec.timeout,
      errorThresholdPercentage: spec.errorThreshold * 100,
      resetTimeoutMs: spec.resetTimeout,
      rollingWindowMs: spec.window,
      volumeThreshold: spec.volumeThreshold,
    },
  };
}

/**
 * The fleet as a metrics source: `start` connects every device and waits for the ramp (up to
 * twice its planned length plus the connect timeout), so the preflight gate sees a fleet at
 * full size; a fleet that does not get there is left to the gate, which names what is wrong.
 * `stop` settles the sinks' accounting (the grace period for late messages).
 */
function fleetSource(spec: FleetSpec, config: FleetConfig, log: (message: string) => void): MetricsSource {
  const fleet = createFleet(config, {
    onShardCrash: (c) =>
      log(
        `fleet shard ${c.shard} crashed (exit ${c.exitCode}, signal ${c.signal}): its ${c.devices} devices are counted as disconnected, and the telemetry they can no longer send as lost when the fleet stops`,
      ),
  });
  return {
    name: fleet.name,
    collect: () => fleet.collect(),
    async start() {
      await fleet.start();
      const rampMs = (fleet.deviceCount / spec.rampUp) * 1000;
      try {
        await fleet.waitConnected(0.99, 2 * rampMs + spec.connectTimeout);
        log(`fleet: ${fleet.snapshot().connected}/${fleet.deviceCount} devices connected`);
      } catch (err) {
        log(`fleet ramp incomplete: ${(err as Error).message}`);
      }
    },
    settle: (untilMs) => fleet.settle(untilMs),
    stop: () => fleet.stop(),
  };
}

export const defaultEnvironment: EnvironmentFactory = createDefaultEnvironment();
