/**
 * The policy files the agent pods read from their ConfigMaps. The fault agent's is the
 * operator's own file, comments kept, with the health port added to `protected.ports` (a fault
 * that cut it would fail the liveness probe and get the agent restarted mid-fault). The fleet
 * shards' is written here: fleet shards and nothing else.
 */
import { isSeq, parseDocument, stringify } from 'yaml';
import { type Policy, parsePolicy } from '../../../agents/server/policy.js';
import { SHARD_DRIVER_NAME } from '../../../agents/server/shards.js';
import { SquallError } from '../../core/errors.js';

/** The operator's policy text with `ports` added to `protected.ports`; re-checked by the agent's own parser. */
export function withProtectedPorts(text: string, file: string, ports: readonly number[]): string {
  let doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new SquallError('SQUALL_USAGE', `${file}: invalid policy YAML: ${doc.errors[0]!.message}`);
  }
  // A file of comments only is the default policy: give the ports a mapping to live in.
  if (doc.contents === null) doc = parseDocument(`${text.trimEnd()}\n{}\n`);
  const existing = doc.getIn(['protected', 'ports']);
  for (const port of ports) {
    if (isSeq(existing) && existing.items.some((item) => Number(String(item)) === port)) continue;
    if (isSeq(existing)) existing.add(doc.createNode(port));
    else doc.setIn(['protected', 'ports'], doc.createNode([port]));
  }
  const out = doc.toString();
  parsePolicy(parseDocument(out).toJS(), file);
  return out;
}

export interface FleetPolicyInput {
  devicesPerPod: number;
  /** Simulator worker processes one shard forks for devicesPerPod devices (shard-plan.ts). */
  workers: number;
  controllers: readonly string[];
  protectedPorts: readonly number[];
}

/** A policy that allows hosting one fleet shard of at most devicesPerPod devices, and no fault driver. */
export function fleetPolicyText(input: FleetPolicyInput): { text: string; policy: Policy } {
  const value = {
    drivers: [SHARD_DRIVER_NAME],
    controllers: [...input.controllers],
    maxShardDevices: input.devicesPerPod,
    fleet: { maxShards: 1, maxWorkers: input.workers, maxDevices: input.devicesPerPod },
    protected: { ports: [...input.protectedPorts] },
  };
  const header =
    '# Rendered by squall deploy render: a fleet-shard agent. It hosts one slice of a fleet and\n' +
    '# allows no fault driver, so it needs no capability (docs/kubernetes.md).\n';
  return { text: header + stringify(value), policy: parsePolicy(value, 'fleet policy') };
}
