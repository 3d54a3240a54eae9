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
}

export function createDefaultEnvironment(extras: EnvironmentExtras = {}): EnvironmentFactory {
  return async (experiment, { runDir, log }): Promise<RunEnvironment> => {
    const remote = Object.keys(experiment.agents ?? {}).filter((a) => a !== 'local');
    if (remote.length > 0) {
      throw new SquallError(
        'SQUALL_AGENT_UNREACHABLE',
        `remote agents (${remote.join(', ')}) need the gRPC agent, which this build does not have yet; target the local agent`,
      );
    }
    const group = await startManagedProcesses(experiment.system.processes, {
      logDir: join(runDir, 'logs'),
      onUnexpectedExit: (e) =>
        log(
          `managed process '${e.name}' (pid ${e.pid}) exited unexpectedly (code ${e.code}, signal ${e.signal}); log: ${e.logFile}`,
        ),
      log,
    });
    let proxies: Awaited<ReturnType<typeof startProxies>> | undefined;
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
        injectors: new Map<string, FaultInjector>([['local', agent]]),
        sources,
        async teardown() {
          await stopProxies(startedProxies);
          await group.stopAll();
        },
      };
    } catch (err) {
      if (proxies) await stopProxies(proxies);
      await group.stopAll();
      throw err;
    }
  };
}

export const defaultEnvironment: EnvironmentFactory = createDefaultEnvironment();
