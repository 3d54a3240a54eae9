/**
 * The agent's policy: an allow-list the agent enforces whatever the controller asks
 * (docs/security.md). Drivers and targets are allow-listed, duration and concurrency capped,
 * and protected addresses and ports (always including the agent's own control port and the
 * controller's address) can never be cut off. A refusal is a `SquallError` with code
 * `SQUALL_AGENT_POLICY_DENIED` and the rule that refused it.
 *
 * ```yaml
 * drivers: ['process.*', 'proxy.*', 'nft.partition']
 * targets: { processes: [broker], proxies: ['*'], hosts: [edge-1], pids: false }
 * protectedProcesses: { names: [sshd, squall-agent], units: [] }   # process-policy.ts
 * maxDuration: 10m
 * maxConcurrentFaults: 4
 * protected: { addresses: [10.0.0.1, 10.0.0.0/24], ports: [22, 7070] }
 * controllers: [squall-controller]     # client-certificate CNs that may control this agent (the default)
 * lease: { minTtl: 1s, maxTtl: 60s }
 * # and the reach rules of policy-reach.ts: tc, toxiproxy, proxyApi, fleet
 * ```
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { FaultReach, FaultTarget } from '../../engine/core/faults.js';
import { Duration } from '../../engine/core/unit-schemas.js';
import { shardCountFor } from '../../simulator/shard-plan.js';
import { DEFAULT_CONTROLLER_NAME } from '../certs/certs.js';
import { createReachGate, type ReachGate, ReachPolicyFields } from './policy-reach.js';
import { checkPidTarget, PidTargetsSchema, ProtectedProcessesSchema } from './process-policy.js';
import { shardDevices } from './shard-config.js';

const Names = z.array(z.string().min(1));

const PolicySchema = z.strictObject({
  /** Driver names or `prefix.*` patterns; `*` allows every driver. */
  drivers: Names.default(['*']),
  targets: z
    .strictObject({
      processes: Names.default(['*']),
      proxies: Names.default(['*']),
      hosts: Names.default(['*']),
      /** Bare pids and pid files (default false: names only); see process-policy.ts. */
      pids: PidTargetsSchema,
    })
    .prefault({}),
  // --- process safety (process-policy.ts) ---
  /** Processes never signalled, on top of the agent itself, its ancestors, pid ≤ 1, kernel threads. */
  protectedProcesses: ProtectedProcessesSchema,
  // --- end of process safety ---
  maxDuration: Duration.prefault('10m'),
  maxConcurrentFaults: z.number().int().positive().default(16),
  protected: z
    .strictObject({
      /** IPv4/IPv6 addresses or CIDR ranges no fault may cut off. */
      addresses: Names.default([]),
      ports: z.array(z.number().int().min(1).max(65_535)).default([]),
    })
    .prefault({}),
  /** Most devices one fleet shard may simulate here (fleet shards: `fleet.shard` in drivers). */
  maxShardDevices: z.number().int().nonnegative().default(50_000),
  lease: z.strictObject({ minTtl: Duration.prefault('500ms'), maxTtl: Duration.prefault('5m') }).prefault({}),
  // --- Certificate roles and reach (issue 12, findings 2 and 7; policy-reach.ts) ---
  /**
   * Client-certificate CNs that may say Hello and open sessions; `*` for any certificate the CA
   * signed. Default: the controller `squall certs init` issues.
   */
  controllers: Names.default([DEFAULT_CONTROLLER_NAME]),
  ...ReachPolicyFields,
  // --- end of issue 12 findings 2 and 7 ---
});

export type Policy = z.infer<typeof PolicySchema>;

/** The default when no policy file is given: every driver within the caps above; processes by name only. */
export const DEFAULT_POLICY: Policy = PolicySchema.parse({});

export function parsePolicy(input: unknown, source = 'policy'): Policy {
  const parsed = PolicySchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new SquallError('SQUALL_USAGE', `${source}: invalid policy: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `cannot read policy file ${path}: ${(err as Error).message}`);
  }
  return parsePolicy(parseYaml(text), path);
}

/** Whether a `drivers:`-style list (`*`, `prefix.*`, exact names) allows `name`. */
export const allowsName = (patterns: readonly string[], name: string) =>
  patterns.some((p) => p === '*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))));
const matches = allowsName;

const deny = (message: string) => new SquallError('SQUALL_AGENT_POLICY_DENIED', message);

export interface PolicyRequest {
  kind: string;
  target: FaultTarget;
  durationMs: number;
  reach: FaultReach;
  /** Faults active on the agent right now (all sessions). */
  activeCount: number;
}

/** The policy with the agent's own never-cut addresses and ports added. */
export interface PolicyGate {
  readonly policy: Policy;
  /** Throws SQUALL_AGENT_POLICY_DENIED naming the rule; returns when the request is allowed. */
  check(request: PolicyRequest): void;
  /** Throws SQUALL_AGENT_POLICY_DENIED unless the client certificate's CN is in `controllers`. */
  checkController(commonName: string | undefined): void;
  /** Device, URL, proxy-listen and fleet rules (policy-reach.ts). */
  readonly reach: ReachGate;
  /** Clamps a requested lease ttl into the policy's range. */
  ttlMs(requestedMs: number): number;
  /** Throws SQUALL_AGENT_POLICY_DENIED when the agent may not host this fleet shard (given what it hosts). */
  checkShard(
    config: { engine: { groups: { count?: number }[] }; shards: number | 'auto' },
    hosted: { shards: number; devices: number },
  ): void;
  /** Adds never-cut addresses and ports at run time (the bound control port, controllers' addresses). */
  protect(extra: { addresses?: string[]; ports?: number[] }): void;
}

export function createPolicyGate(
  policy: Policy,
  always: { addresses?: string[]; ports?: number[] } = {},
): PolicyGate {
  // Two lists: the policy file's (everywhere) and the control channel's (the agent's own network
  // namespace only: a fault inside another namespace cannot cut the agent's own connections).
  const lists = {
    policy: { blocked: new BlockList(), text: [] as string[], ports: new Set<number>() },
    control: { blocked: new BlockList(), text: [] as string[], ports: new Set<number>() },
  };
  const add = (list: (typeof lists)['policy'], extra: { addresses?: string[]; ports?: number[] }) => {
    for (const entry of extra.addresses ?? []) {
      if (list.text.includes(entry)) continue;
      addToBlockList(list.blocked, entry);
      list.text.push(entry);
    }
    for (const port of extra.ports ?? []) list.ports.add(port);
  };
  const protect = (extra: { addresses?: string[]; ports?: number[] }) => add(lists.control, extra);
  const reach = createReachGate(policy);
  add(lists.policy, policy.protected);
  protect(always);

  const allowTarget = (what: string, list: readonly string[], name: string | undefined) => {
    if (name !== undefined && !matches(list, name)) {
      throw deny(
        `${what} '${name}' is not allowed by the agent's policy (targets.${what}s: ${list.join(', ')})`,
      );
    }
  };

  return {
    policy,
    check(req) {
      if (!matches(policy.drivers, req.kind)) {
        throw deny(
          `driver '${req.kind}' is not allowed by the agent's policy (drivers: ${policy.drivers.join(', ')})`,
        );
      }
      allowTarget('process', policy.targets.processes, req.target.process);
      allowTarget('proxie', policy.targets.proxies, req.target.proxy);
      allowTarget('host', policy.targets.hosts, req.target.host);
      checkPidTarget(policy.targets.pids, req.target);
      if (req.durationMs > policy.maxDuration) {
        throw deny(`duration ${req.durationMs}ms exceeds the agent's maxDuration ${policy.maxDuration}ms`);
      }
      if (req.activeCount >= policy.maxConcurrentFaults) {
        throw deny(
          `${req.activeCount} fault(s) already active; the agent's maxConcurrentFaults is ${policy.maxConcurrentFaults}`,
        );
      }
      const ownNamespace = req.target.host === undefined || req.target.host === 'self';
      reach.check(req.reach, ownNamespace);
      for (const [name, list] of Object.entries(lists)) {
        if (name === 'control' && !ownNamespace) continue;
        const what = name === 'control' ? "the agent's control channel" : 'protected';
        for (const address of req.reach.addresses ?? []) {
          if (touchesProtected(list.blocked, address)) {
            throw deny(
              `fault would cut off ${address}, which covers ${what} address(es) ${list.text.join(', ')}; the control channel is never partitioned`,
            );
          }
        }
        for (const port of req.reach.ports ?? []) {
          if (list.ports.has(port)) throw deny(`fault would cut off ${what} port ${port}`);
        }
      }
    },
    checkShard(config, hosted) {
      if (!matches(policy.drivers, 'fleet.shard')) {
        throw deny(
          `hosting fleet shards is not allowed by the agent's policy (drivers: ${policy.drivers.join(', ')}; add fleet.shard)`,
        );
      }
      const devices = shardDevices(config);
      if (devices > policy.maxShardDevices) {
        throw deny(
          `a shard of ${devices} devices exceeds the agent's maxShardDevices ${policy.maxShardDevices}`,
        );
      }
      reach.checkFleet({ devices, workers: shardCountFor(config.shards, devices) }, hosted);
    },
    checkController(commonName) {
      if (policy.controllers.includes('*')) return;
      if (commonName === undefined || !policy.controllers.includes(commonName)) {
        throw deny(
          `controller certificate '${commonName ?? '(none)'}' is not in the agent's policy (controllers: ${policy.controllers.join(', ')})`,
        );
      }
    },
    reach,
    protect,
    ttlMs(requestedMs) {
      const { minTtl, maxTtl } = policy.lease;
      return Math.min(maxTtl, Math.max(minTtl, requestedMs));
    },
  };
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function addToBlockList(list: BlockList, entry: string): void {
  const [address, prefix] = entry.split('/');
  if (!address || isIP(address) === 0)
    throw new SquallError('SQUALL_USAGE', `protected address '${entry}' is not an IP or CIDR`);
  if (prefix === undefined) list.addAddress(address, family(address));
  else list.addSubnet(address, Number(prefix), family(address));
}

/** A fault's reach may itself be a CIDR: it touches a protected address when the ranges overlap. */
function touchesProtected(list: BlockList, reach: string): boolean {
  const [address, prefix] = reach.split('/');
  if (!address || isIP(address) === 0) return false;
  if (list.check(address, family(address))) return true;
  if (prefix === undefined) return false;
  // A range: protected when any protected entry lies inside it. Check the protected entries'
  // own network addresses against the reach range.
  const range = new BlockList();
  range.addSubnet(address, Number(prefix), family(address));
  return list.rules.some((rule) => {
    const m = /(?:Address|Subnet): IPv[46] ([^/\s]+)/.exec(rule);
    return m?.[1] !== undefined && range.check(m[1], family(m[1]));
  });
}
