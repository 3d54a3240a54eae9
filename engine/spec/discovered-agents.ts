/**
 * Names of agents found through `agents.discover` (the A records of a headless Service): the
 * first label of the DNS name and the address, `squall-agents/10.0.0.5`. Faults may target one
 * by that name; it cannot be known before the run, so validation checks its shape and the
 * environment checks it was found. What each discovered agent must prove is in docs/security.md.
 */

/** The key under `agents:` that holds the discovery block rather than one agent. */
export const DISCOVER_KEY = 'discover';

/** `squall-agents/10.0.0.5`: a discovered agent's name. */
export const DISCOVERED_AGENT_NAME = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\/(\d{1,3}(?:\.\d{1,3}){3})$/;

/** The first label of `dns`: what a discovered agent's name starts with. */
export const discoveryLabel = (dns: string): string => dns.split('.')[0]!.toLowerCase();

export function discoveredAgentName(dns: string, address: string): string {
  return `${discoveryLabel(dns)}/${address}`;
}
