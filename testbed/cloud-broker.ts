/**
 * A cloud broker of either kind — the aedes cluster (cloud/cluster.ts) or mosquitto — behind
 * one shape, so the testbed starts its primary (`cloud-broker`) and its standby
 * (`cloud-standby`) the same way: on loopback, or on a lab host listening on the MQTT port.
 */
import type { ManagedProcess } from '../engine/core/faults.js';
import type { CloudBrokerKind } from '../engine/spec/testbed-names.js';
import { startCloudCluster } from './cloud/cluster.js';
import type { LabHost } from './lab/topology.js';
import { startMosquitto } from './mosquitto.js';
import { CloudBrokerSlot } from './roles.js';

/** In lab mode every broker listens on the standard port of its own host. */
export const LAB_MQTT_PORT = 1883;

export interface CloudBrokerOptions {
  /** Its fault-target name: `cloud-broker` (with its workers as targets too) or `cloud-standby`. */
  role: string;
  /** aedes worker processes. */
  workers: number;
  /** aedes: each worker is a fault target `cloud-worker-<i>` (the primary's, not a standby's). */
  workerRoles: boolean;
  tenantLimitPerS?: number;
  /** aedes: its Prometheus endpoint's port (default: any free port). */
  metricsPort?: number;
  /** Lab mode: the host it runs on. */
  labHost?: LabHost;
}

export interface CloudBroker {
  /** MQTT URL; in lab mode the host's address, reachable inside the lab. */
  readonly url: string;
  /** Fault targets by role name. */
  roles(): ManagedProcess[];
  /** PIDs that are no fault target of their own (a standby's aedes worker) but `down` must find. */
  unlistedPids(): number[];
  /** Temp dirs it keeps (mosquitto's config and persistence), for `down` after a crash. */
  readonly dirs: readonly string[];
  /** aedes: its aggregated Prometheus endpoint (a restart may move it). */
  metricsUrl(): string | undefined;
  stop(): Promise<void>;
}

export async function startCloudBroker(kind: CloudBrokerKind, o: CloudBrokerOptions): Promise<CloudBroker> {
  const inLab = o.labHost && { host: '0.0.0.0', port: LAB_MQTT_PORT, wrapper: o.labHost.wrapper };
  const labUrl = o.labHost && `mqtt://${o.labHost.address}:${LAB_MQTT_PORT}`;
  if (kind === 'mosquitto') {
    const mosquitto = await startMosquitto(inLab || {});
    return {
      url: labUrl ?? mosquitto.url,
      roles: () => [mosquitto.asManagedProcess(o.role)],
      unlistedPids: () => [],
      dirs: [mosquitto.dir],
      metricsUrl: () => undefined,
      stop: () => mosquitto.stop(),
    };
  }
  const clusterOptions = {
    workers: o.workers,
    ...(o.tenantLimitPerS && { tenantLimitPerS: o.tenantLimitPerS }),
    ...(o.metricsPort && { metricsPort: o.metricsPort }),
    ...inLab,
  };
  const slot = new CloudBrokerSlot(await startCloudCluster(clusterOptions), clusterOptions, {
    name: o.role,
    workers: o.workerRoles,
  });
  return {
    url: labUrl ?? slot.cluster.url,
    roles: () => slot.roles(),
    unlistedPids: () => (o.workerRoles ? [] : slot.cluster.workerPids().filter((p) => p > 0)),
    dirs: [],
    metricsUrl: () => slot.cluster.metricsUrl,
    stop: () => slot.cluster.stop(),
  };
}
