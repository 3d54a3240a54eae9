/**
 * The agent policy's reach rules (issue 12, finding 7), a block of its own in the policy
 * schema: which network devices `tc.*` may shape (never the one carrying the agent's control
 * channel), which Toxiproxy API URLs `toxiproxy.*` may call (loopback by default: the agent
 * must not become a way to send requests into the network), where proxies created through the
 * agent's Toxiproxy-compatible API may listen, and how much of a fleet the agent hosts.
 *
 * ```yaml
 * tc: { devices: [eth1, wlan0] }                  # default ['*']; the control interface always refused
 * toxiproxy: { urls: ['http://127.0.0.1:*', 'http://10.0.0.9:8474'] }   # default: loopback only
 * proxyApi: { listen: [127.0.0.0/8, ::1] }        # default: loopback only
 * fleet: { maxShards: 4, maxWorkers: 8, maxDevices: 100000 }
 * ```
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { FaultReach } from '../../engine/core/faults.js';

const Names = z.array(z.string().min(1));

/** `http(s)://host:port` or `http(s)://host:*` (any port); `*` alone allows every URL. */
const UrlPattern = z
  .string()
  .regex(
    /^(\*|https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:(\d{1,5}|\*))?)$/,
    "expected an origin such as 'http://127.0.0.1:8474' or 'http://10.0.0.9:*'",
  );

const LOOPBACK_TOXIPROXY_URLS = ['http://127.0.0.1:*', 'http://localhost:*', 'http://[::1]:*'];

export const ReachPolicyFields = {
  tc: z.strictObject({ devices: Names.default(['*']) }).prefault({}),
  toxiproxy: z.strictObject({ urls: z.array(UrlPattern).default(LOOPBACK_TOXIPROXY_URLS) }).prefault({}),
  proxyApi: z.strictObject({ listen: Names.default(['127.0.0.0/8', '::1']) }).prefault({}),
  fleet: z
    .strictObject({
      /** Fleet shards hosted at once, over every session. */
      maxShards: z.number().int().nonnegative().default(4),
      /** Simulator worker processes one shard may fork (its `shards`). */
      maxWorkers: z.number().int().nonnegative().default(8),
      /** Devices over every hosted shard. */
      maxDevices: z.number().int().nonnegative().default(100_000),
    })
    .prefault({}),
};

const reachSchema = z.strictObject(ReachPolicyFields);
export type ReachPolicy = z.infer<typeof reachSchema>;

const deny = (message: string) => new SquallError('SQUALL_AGENT_POLICY_DENIED', message);
const matches = (patterns: readonly string[], name: string) => patterns.some((p) => p === '*' || p === name);

export interface ReachGate {
  /** Refuses devices and URLs the policy does not allow (devices of the control channel included). */
  check(reach: FaultReach, ownNamespace: boolean): void;
  /** Marks network devices that carry the control channel (never shaped by `tc.*` in the agent's namespace). */
  protectDevices(devices: string[]): void;
  controlDevices(): string[];
  /** Refuses a listen address (Toxiproxy API `POST /proxies`) outside `proxyApi.listen`. */
  checkProxyListen(listen: string): void;
  /** Refuses a shard over the fleet caps, given what the agent hosts already. */
  checkFleet(shard: { devices: number; workers: number }, hosted: { shards: number; devices: number }): void;
}

export function createReachGate(policy: ReachPolicy): ReachGate {
  const control = new Set<string>();
  const listenList = new BlockList();
  for (const entry of policy.proxyApi.listen) addRange(listenList, entry);

  return {
    check(reach, ownNamespace) {
      for (const device of reach.devices ?? []) {
        if (!matches(policy.tc.devices, device)) {
          throw deny(
            `device '${device}' is not allowed by the agent's policy (tc.devices: ${policy.tc.devices.join(', ')})`,
          );
        }
        if (ownNamespace && control.has(device)) {
          throw deny(
            `device '${device}' carries the agent's control channel (${[...control].join(', ')}); the control channel is never shaped or cut`,
          );
        }
      }
      for (const url of reach.urls ?? []) {
        if (!urlAllowed(policy.toxiproxy.urls, url)) {
          throw deny(
            `Toxiproxy URL ${url} is not allowed by the agent's policy (toxiproxy.urls: ${policy.toxiproxy.urls.join(', ')})`,
          );
        }
      }
    },
    protectDevices(devices) {
      for (const d of devices) control.add(d);
    },
    controlDevices: () => [...control],
    checkProxyListen(listen) {
      const host = listen
        .slice(0, listen.lastIndexOf(':'))
        .replace(/^\[|\]$/g, '')
        .replace(/^localhost$/, '127.0.0.1');
      const family = isIP(host);
      if (family === 0 || !listenList.check(host, family === 6 ? 'ipv6' : 'ipv4')) {
        throw deny(
          `listen address '${listen}' is not allowed by the agent's policy (proxyApi.listen: ${policy.proxyApi.listen.join(', ')}); give an IP address in one of those ranges`,
        );
      }
    },
    checkFleet(shard, hosted) {
      const f = policy.fleet;
      if (hosted.shards + 1 > f.maxShards) {
        throw deny(
          `${hosted.shards} fleet shard(s) already hosted here; the agent's fleet.maxShards is ${f.maxShards}`,
        );
      }
      if (shard.workers > f.maxWorkers) {
        throw deny(
          `a shard of ${shard.workers} simulator worker processes exceeds the agent's fleet.maxWorkers ${f.maxWorkers}`,
        );
      }
      if (hosted.devices + shard.devices > f.maxDevices) {
        throw deny(
          `${shard.devices} more devices (${hosted.devices} hosted already) exceed the agent's fleet.maxDevices ${f.maxDevices}`,
        );
      }
    },
  };
}

function addRange(list: BlockList, entry: string): void {
  const [address, prefix] = entry.split('/');
  const family = address ? isIP(address) : 0;
  if (!address || family === 0) {
    throw new SquallError('SQUALL_USAGE', `proxyApi.listen entry '${entry}' is not an IP or CIDR`);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) list.addAddress(address, type);
  else list.addSubnet(address, Number(prefix), type);
}

/** Whether `url`'s origin matches one of the patterns (scheme, host, and port or `*`). */
function urlAllowed(patterns: readonly string[], url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return patterns.some((p) => {
    if (p === '*') return true;
    const m = /^(https?:)\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+|\*))?$/.exec(p);
    if (!m) return false;
    const [, scheme, host, pPort] = m;
    const wantPort = pPort ?? (scheme === 'https:' ? '443' : '80');
    return (
      scheme === u.protocol &&
      host!.toLowerCase() === u.hostname.toLowerCase() &&
      (wantPort === '*' || wantPort === port)
    );
  });
}
