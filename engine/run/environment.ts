/**
 * The default run environment: stands up the experiment's `system:` section (managed
 * processes, fault proxies), its probes, and the in-process local agent; tears all of it down
 * afterwards. Tests can hand in proxies or processes they own, so they can check real state
 * after the run.
 */
import { join } from 'node:path';
import type { ManagedProcess, ProxyHandle } from '../../agents/faults/driver.js';
import { createLocalAgent } from '../../agents/local/local-agent.js';
import { startProxies, stopProxies } from '../../agents/proxy/start-proxies.js';
import {
  type AgentAddressSpec,
  type AgentConnection,
  type ConnectOptions,
  connectAgent,
} from '../controller/agent-connection.js';
import { SquallError } from '../errors.js';
import '../catalog.js';
import { probeKinds } from '../probes/probe.js';
import type { MetricsSource } from '../slo/metrics.js';
import { startManagedProcesses } from './managed-processes.js';
import type { EnvironmentFactory, FaultInjector, RunEnvironment } from './runner.js';

export interface EnvironmentExtras {
  /** Proxies owned by the caller, targetable by name alongside `system.proxies`. */
  proxies?: Map<string, ProxyHandle>;
  /** Processes owned by the caller, targetable by name alongside `system.processes`. */
  processes?: Map<string, ManagedProcess>;
  /** How remote agents are connected (TLS base dir, lease ttl); see `connectAgent`. */
  agentOptions?: ConnectOptions;
}

/** Connects every agent under `agents:` except `local`, all or none. */
async function connectAgents(
  specs: Record<string, AgentAddressSpec>,
  options: ConnectOptions,
): Promise<AgentConnection[]> {
  const names = Object.keys(specs).filter((name) => name !== 'local');
  const settled = await Promise.allSettled(names.map((name) => connectAgent(name, specs[name]!, options)));
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
  return async (experiment, { runDir, log }): Promise<RunEnvironment> => {
    // Connect every remote agent first (version, drivers, clock offset, lease): an unreachable
    // or unauthorised agent fails the run before anything is started or injected.
    const remote = await connectAgents(experiment.agents ?? {}, { ...extras.agentOptions, log });
    const group = await startManagedProcesses(experiment.system.processes, {
      logDir: join(runDir, 'logs'),
      onUnexpectedExit: (e) =>
        log(
          `managed process '${e.name}' (pid ${e.pid}) exited unexpectedly (code ${e.code}, signal ${e.signal}); log: ${e.logFile}`,
        ),
      log,
    });
    let proxies: Awaited<ReturnType<typeof startProxies>> | undefined;
    const closeAgents = () => Promise.allSettled(remote.map((c) => c.close()));
    try {
      proxies = await startProxies(experiment.system.proxies, { log });
      const sources: MetricsSource[] = experiment.probes.map((probe) => {
        const kind = probeKinds.get(probe.kind);
        if (!kind) throw new SquallError('SQUALL_PROBE_FAILED', probeKinds.unknownMessage(probe.kind));
        return kind.create(probe, kind.params.parse(probe.params));
      });
      const agent = createLocalAgent({
        processes: new Map<string, ManagedProcess>([...group.processes, ...(extras.processes ?? [])]),
        proxies: new Map<string, ProxyHandle>([...proxies, ...(extras.proxies ?? [])]),
        log,
      });
      const startedProxies = proxies;
      return {
        injectors: new Map<string, FaultInjector>([
          ['local', agent],
          ...remote.map((c) => [c.name, c] as const),
        ]),
        sources,
        async teardown() {
          await closeAgents();
          await stopProxies(startedProxies);
          await group.stopAll();
        },
      };
    } catch (err) {
      await closeAgents();
      if (proxies) await stopProxies(proxies);
      await group.stopAll();
      throw err;
    }
  };
}

export const defaultEnvironment: EnvironmentFactory = createDefaultEnvironment();
