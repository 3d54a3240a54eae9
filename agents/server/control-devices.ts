/**
 * Which network devices carry the agent's control channel, so `tc.*` never shapes them in the
 * agent's own namespace: the device holding the address the agent listens on (when it is not a
 * wildcard), and for each session the device the kernel routes replies to that controller over
 * (`ip route get`), which is the truth for a wildcard listener and for local controllers (lo).
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { run } from '../faults/exec.js';

/** The device that holds `address` (e.g. `lo` for 127.0.0.1), or undefined for a wildcard or unknown address. */
export function deviceHolding(address: string): string | undefined {
  const host = address.replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0' || host === '::' || isIP(host) === 0) return host === 'localhost' ? 'lo' : undefined;
  if (/^127\./.test(host) || host === '::1') return 'lo';
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (addresses?.some((a) => a.address === host)) return name;
  }
  return undefined;
}

/** The device the kernel sends packets to `peer` over (`ip -j route get`), or undefined if unknown. */
export async function deviceToward(peer: string): Promise<string | undefined> {
  peer = peer.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1'); // IPv4-mapped, from a dual-stack listener
  if (isIP(peer) === 0) return undefined;
  const { stdout } = await run(['ip', '-j', 'route', 'get', peer]);
  const routes = JSON.parse(stdout) as { dev?: string }[];
  return routes[0]?.dev;
}
