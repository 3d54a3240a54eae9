/**
 * What an agent policy needs from its host: the union of the privileges (`privileges` in each
 * driver's own file, engine/core/faults.ts) of the fault drivers its `drivers:` list allows.
 * `squall deploy render` grants exactly this to the agent's pod, so a capability is granted
 * because a named driver is allowed, never because a list kept elsewhere says so.
 */
import type { DriverPrivileges, FaultDriver, LinuxCapability } from '../../engine/core/faults.js';
import { allowsName, type Policy } from './policy.js';
import { SHARD_DRIVER_NAME } from './shards.js';

type HostNamespace = NonNullable<DriverPrivileges['hostNamespaces']>[number];

export interface PolicyPrivileges {
  /** Fault drivers the policy allows, sorted. */
  readonly drivers: readonly string[];
  /** Sorted and unique. */
  readonly capabilities: readonly LinuxCapability[];
  readonly hostNamespaces: readonly HostNamespace[];
  /** For each capability and host namespace, the allowed drivers that need it (docs and notes). */
  readonly neededBy: ReadonlyMap<LinuxCapability | HostNamespace, readonly string[]>;
  /** Whether the policy lets the agent host fleet shards (`fleet.shard`). */
  readonly fleetShards: boolean;
  /** Entries of `drivers:` that allow nothing known: a typo the agent would silently never match. */
  readonly unmatched: readonly string[];
}

export function policyPrivileges(
  policy: Pick<Policy, 'drivers'>,
  drivers: readonly FaultDriver<unknown>[],
): PolicyPrivileges {
  const allowed = drivers.filter((d) => allowsName(policy.drivers, d.name));
  const neededBy = new Map<LinuxCapability | HostNamespace, string[]>();
  for (const driver of allowed) {
    const { capabilities = [], hostNamespaces = [] } = driver.privileges ?? {};
    for (const need of [...capabilities, ...hostNamespaces]) {
      neededBy.set(need, [...(neededBy.get(need) ?? []), driver.name]);
    }
  }
  const known = [...drivers.map((d) => d.name), SHARD_DRIVER_NAME];
  const needs = [...neededBy.keys()];
  const isNamespace = (n: string): n is HostNamespace => n === 'network' || n === 'pid';
  return {
    drivers: allowed.map((d) => d.name).sort(),
    capabilities: needs.filter((n): n is LinuxCapability => !isNamespace(n)).sort(),
    hostNamespaces: needs.filter(isNamespace).sort(),
    neededBy,
    fleetShards: allowsName(policy.drivers, SHARD_DRIVER_NAME),
    unmatched: policy.drivers.filter((p) => !known.some((name) => allowsName([p], name))),
  };
}
