/**
 * Which agents a run connects to: those named under `agents:` (not `local`, the built-in one)
 * and, with `agents.discover`, every agent its DNS name resolves to (discovered names:
 * engine/spec/discovered-agents.ts). Also which agents the fleet is split over, and which
 * agents only host fleet slices (no fault names them), whose loss is the fleet's, not the run's.
 */
import type { AgentAddressSpec } from '../controller/agent-connection.js';
import { discoverAgents } from '../controller/agent-discovery.js';
import { SquallError } from '../core/errors.js';
import { DISCOVER_KEY, DISCOVERED_AGENT_NAME } from '../spec/discovered-agents.js';
import type { Experiment } from '../spec/schema.js';
import type { SourceMap } from '../spec/source-map.js';

export interface RunAgents {
  specs: Record<string, AgentAddressSpec>;
  /** Names of the discovered agents, by address. */
  discovered: string[];
  /** The agents the fleet is split over (empty: the fleet runs in this process). */
  fleetAgents: string[];
}

export async function runAgents(
  experiment: Experiment,
  source: SourceMap | undefined,
  log: (message: string) => void,
): Promise<RunAgents> {
  const { [DISCOVER_KEY]: discovery, ...named } = experiment.agents ?? {};
  const specs: Record<string, AgentAddressSpec> = {};
  for (const [name, spec] of Object.entries(named)) if (name !== 'local') specs[name] = spec;
  const discovered: string[] = [];
  if (discovery) {
    const pos = source?.valueAt(['agents', DISCOVER_KEY, 'dns']);
    const at = source && pos ? `${source.file}:${pos.line}:${pos.col} agents.discover.dns` : undefined;
    for (const agent of await discoverAgents(discovery, at ? { at } : {})) {
      specs[agent.name] = agent.spec;
      discovered.push(agent.name);
    }
    log(
      `agents.discover: ${discovery.dns} has ${discovered.length} agent(s): ${discovered.map((n) => `${n} (${specs[n]!.address})`).join(', ')}`,
    );
  }
  // A fault aimed at a discovered agent the DNS name does not have cannot run.
  for (const fault of experiment.faults) {
    const agent = fault.target.agent;
    if (agent && DISCOVERED_AGENT_NAME.test(agent) && !discovered.includes(agent)) {
      const pos = source?.valueAt(['faults', experiment.faults.indexOf(fault), 'target', 'agent']);
      throw new SquallError(
        'SQUALL_TARGET_NOT_FOUND',
        `${source && pos ? `${source.file}:${pos.line}:${pos.col} ` : ''}fault '${fault.name}': agent '${agent}' was not discovered; agents.discover found ${discovered.join(', ') || 'none'}`,
      );
    }
  }
  const split = experiment.fleet?.agents;
  const fleetAgents = split === 'discover' ? discovered : (split ?? []);
  return { specs, discovered, fleetAgents };
}

/** True when no fault of the experiment names `agent`: it only hosts a slice of the fleet. */
export function onlyHostsFleet(
  experiment: Experiment,
  fleetAgents: readonly string[],
  agent: string,
): boolean {
  return fleetAgents.includes(agent) && !experiment.faults.some((f) => f.target.agent === agent);
}
