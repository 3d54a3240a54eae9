/**
 * The run-start half of the capacity checks (agents/faults/capacity.ts): faults aimed at a
 * remote agent are checked against what that agent reported in Hello (cores, memory, the
 * filesystems asked about), after connecting and before anything is started or injected. A
 * fault that asks for more is a spec error (exit 2), positioned when the source map is known.
 */

import { faultDrivers } from '../../agents/faults/catalog.js';
import type { AgentInfo__Output } from '../../agents/proto/generated/squall/agent/v1/AgentInfo.js';
import { SpecError, type SpecIssue } from '../core/errors.js';
import type { HostCapacity } from '../core/faults.js';
import type { Experiment } from '../spec/schema.js';
import type { SourceMap } from '../spec/source-map.js';

const isRemote = (agent: string | undefined): agent is string => agent !== undefined && agent !== 'local';

/** Each faults' driver with its parsed params, for the faults on remote agents. */
function remoteFaults(experiment: Experiment) {
  return experiment.faults.flatMap((fault, index) => {
    const driver = faultDrivers.get(fault.kind);
    if (!isRemote(fault.target.agent) || !driver?.checkCapacity) return [];
    const parsed = driver.params.safeParse(fault.params);
    return parsed.success ? [{ fault, index, driver, params: parsed.data, agent: fault.target.agent }] : [];
  });
}

/** The paths to ask each remote agent to statfs in Hello. */
export function statfsPathsByAgent(experiment: Experiment): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const { agent, driver, params } of remoteFaults(experiment)) {
    const wanted = driver.capacityPaths?.(params) ?? [];
    paths.set(agent, [...new Set([...(paths.get(agent) ?? []), ...wanted])]);
  }
  return paths;
}

/** What an agent's Hello says it has; undefined when the agent predates the report. */
export function capacityOf(name: string, info: AgentInfo__Output): HostCapacity | undefined {
  const r = info.resources;
  if (!r) return undefined;
  return {
    name: `agent '${name}'`,
    cpus: r.cpus,
    totalMemoryBytes: r.total_memory_bytes,
    filesystem(path) {
      const fs = r.filesystems.find((f) => f.path === path && f.exists);
      return fs && { totalBytes: fs.total_bytes, freeBytes: fs.free_bytes };
    },
  };
}

/**
 * Throws SpecError listing every fault that asks a remote agent for more than it has. Agents
 * that did not report their resources are logged and left to refuse at inject time.
 */
export function checkRemoteCapacity(
  experiment: Experiment,
  agents: readonly { name: string; info: AgentInfo__Output }[],
  source: SourceMap,
  log: (message: string) => void,
): void {
  const issues: SpecIssue[] = [];
  const unreported = new Set<string>();
  for (const { fault, index, driver, params, agent } of remoteFaults(experiment)) {
    const info = agents.find((a) => a.name === agent)?.info;
    const capacity = info && capacityOf(agent, info);
    if (!capacity) {
      unreported.add(agent);
      continue;
    }
    for (const problem of driver.checkCapacity!(params, capacity)) {
      issues.push(
        source.issue(['faults', index, 'params', problem.param], `${fault.kind}: ${problem.message}`),
      );
    }
  }
  for (const name of unreported) {
    log(`agent '${name}' reports no resources (an older agent): its stress faults are checked when injected`);
  }
  if (issues.length > 0) throw new SpecError(issues);
}
