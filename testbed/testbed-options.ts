/**
 * `startTestbed`'s options and the checks on them. The errors name the option (`lab`,
 * `gateways`), never a command-line flag: `squall testbed` (engine/app/commands/testbed.ts)
 * words them as its flags, and an experiment's `system.testbed` arrives already checked by
 * its schema, so these guard the library's own callers.
 */
import { SquallError } from '../engine/core/errors.js';
import { CLOUD_BROKER_KINDS, type CloudBrokerKind } from '../engine/spec/testbed-names.js';
import type { OverflowPolicy } from './edge/disk-queue.js';
import { isRoot } from './lab/ip.js';
import type { BreakerOptions } from './services/downstream-client.js';
import type { FloodOptions } from './services/services.js';

export interface TestbedOptions {
  /** Lab hosts in network namespaces (root only); loopback otherwise. */
  lab?: boolean;
  broker?: CloudBrokerKind;
  /** aedes worker processes (default 2). */
  workers?: number;
  /**
   * A second, independent cloud broker of the same kind (a one-worker aedes cluster, or
   * mosquitto), for disaster-recovery failover: broker and process `cloud-standby`, sharing
   * nothing with `cloud`. In lab mode it runs on its own host `cloud-2`.
   */
  standby?: boolean;
  /** Edge gateways (default 1). */
  gateways?: number;
  /** Topics the gateways forward to the cloud (default everything). */
  forward?: string[];
  maxQueueMessages?: number;
  overflow?: OverflowPolicy;
  /** Where state files go (default <tmpdir>/squall-testbed). */
  stateDir?: string;
  /**
   * Loopback only: put a fault proxy (`edge-<i>-uplink`) between each gateway's bridge and the
   * cloud, so `proxy.*` faults (down, latency, ...) act on the gateway→cloud path without root.
   */
  uplinkProxy?: boolean;
  /** aedes only: per-tenant publish rate across the cluster (cloud/tenant-bulkhead.ts). */
  tenantLimitPerS?: number;
  /** aedes: the cloud broker's Prometheus endpoint port on loopback (default: any free port). */
  metricsPort?: number;
  /**
   * Loopback only: a fault proxy `cloud-sink` in front of the cloud broker, named as a broker
   * too, so a consumer (the fleet's sink) subscribing through it can be slowed with `proxy.*`.
   */
  sinkProxy?: boolean;
  /**
   * Loopback only: the cloud ingest service and its downstream dependency (services/services.ts):
   * processes `ingest` and `downstream`, fault proxy `ingest-downstream` between them.
   */
  ingest?: { port?: number; topic?: string; breaker?: Partial<BreakerOptions> };
  /** Loopback only: a noisy tenant flooding the cloud broker, as process `flood` (services/flood-main.ts). */
  flood?: Omit<FloodOptions, 'cloudUrl'>;
}

/** An option `startTestbed` cannot honour; `option` names it, `detail` says why. */
export class TestbedOptionError extends SquallError {
  constructor(
    readonly option: keyof TestbedOptions,
    readonly detail: string,
  ) {
    super('SQUALL_USAGE', `testbed option '${option}': ${detail}`);
  }
}

/** Throws TestbedOptionError for the first option that cannot work (before anything starts). */
export function checkTestbedOptions(options: TestbedOptions): void {
  const broker = options.broker ?? 'aedes';
  if (!CLOUD_BROKER_KINDS.includes(broker)) {
    throw new TestbedOptionError('broker', `expected ${CLOUD_BROKER_KINDS.join(' or ')}, got '${broker}'`);
  }
  const gateways = options.gateways ?? 1;
  if (!Number.isInteger(gateways) || gateways < 0) {
    throw new TestbedOptionError('gateways', `expected a whole number, 0 or more, got ${gateways}`);
  }
  if (!options.lab) return;
  if (options.sinkProxy || options.ingest || options.flood) {
    throw new TestbedOptionError('lab', 'sinkProxy, ingest and flood are for the loopback testbed');
  }
  if (options.uplinkProxy) {
    throw new TestbedOptionError(
      'uplinkProxy',
      'is for the loopback testbed; in lab mode partition the uplink with nft.partition',
    );
  }
  if (!isRoot()) {
    throw new TestbedOptionError(
      'lab',
      'needs root (network namespaces); without it, use the loopback testbed',
    );
  }
}
