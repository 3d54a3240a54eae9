/**
 * Fleet shards as a StatefulSet: `squall agent` pods whose policy allows `fleet.shard` and no
 * fault driver ("fleet-only": the agent has no separate mode; its policy is what keeps it from
 * faulting anything), so they run as non-root with every capability dropped. The controller
 * splits an experiment's fleet across the agents its `fleet.agents` lists; each pod is one, named
 * by its stable StatefulSet name (squall-fleet-0, -1, ...) and reached through the headless
 * Service `squall-fleet` (squall-fleet-0.squall-fleet.<namespace>.svc:7070).
 */
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { shardCountFor } from '../../../simulator/shard-plan.js';
import {
  agentContainer,
  agentPolicyAndService,
  containerSecurity,
  labels,
  metadata,
  NAMES,
  PATHS,
  podSecurity,
  type RenderedFile,
  resources,
  selectorLabels,
  TMP_VOLUME,
  tlsVolume,
} from './common.js';

/** One agent process with its gRPC server and proxies, before any device (rounded up from ~50 MiB measured idle). */
const PROCESS_BASE_MIB = 128;
/**
 * RSS per connected device: the fleet-memory benchmark's budget (6 KB; it measured 3.0 KB,
 * README "Benchmarks"), so a pod holds its devices with room for publish buffers.
 */
const DEVICE_RSS_BYTES = 6 * 1024;

export interface FleetSizing {
  /** Pods: enough for `devices` at `devicesPerPod` each. */
  readonly replicas: number;
  /** Simulator worker processes each pod forks (`shards: auto`, simulator/shard-plan.ts). */
  readonly workers: number;
  readonly cpu: string;
  readonly memory: string;
}

/**
 * One core per simulator process (each is single-threaded: the agent itself up to 15,000
 * devices, simulator/shard-plan.ts, else one per worker it forks), memory per process plus per device.
 */
export function fleetSizing(devices: number, devicesPerPod: number): FleetSizing {
  const workers = shardCountFor('auto', devicesPerPod);
  const processes = 1 + workers;
  const memoryMiB = Math.ceil(PROCESS_BASE_MIB * processes + (devicesPerPod * DEVICE_RSS_BYTES) / 2 ** 20);
  return {
    replicas: Math.ceil(devices / devicesPerPod),
    workers,
    cpu: String(Math.max(1, workers)),
    memory: `${memoryMiB}Mi`,
  };
}

export interface FleetShardsInput {
  namespace: string;
  image: string;
  sizing: FleetSizing;
  policyText: string;
}

/** The agent names an experiment's `agents:` and `fleet.agents` use for these pods. */
export const fleetPodNames = (replicas: number) =>
  Array.from({ length: replicas }, (_, i) => `${NAMES.fleet}-${i}`);

export function renderFleetShards(input: FleetShardsInput): RenderedFile {
  const { namespace, sizing } = input;
  const tls = tlsVolume(NAMES.fleetTls, false);
  const { policy, service } = agentPolicyAndService({
    namespace,
    component: 'fleet-shard',
    policyName: NAMES.fleetPolicy,
    serviceName: NAMES.fleet,
    policyText: input.policyText,
  });
  const statefulSet = new StatefulSet({
    metadata: metadata(NAMES.fleet, namespace, 'fleet-shard'),
    spec: {
      serviceName: NAMES.fleet,
      replicas: sizing.replicas,
      // Shards are independent: start and replace them all at once, not one after another.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selectorLabels('fleet-shard') },
      template: {
        metadata: { labels: labels('fleet-shard') },
        spec: {
          serviceAccountName: NAMES.fleet,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurity(false),
          terminationGracePeriodSeconds: 30,
          containers: [
            agentContainer({
              image: input.image,
              hostFrom: 'metadata.name',
              resources: resources(sizing.cpu, sizing.memory),
              securityContext: containerSecurity(),
              volumeMounts: [
                tls.mount,
                { name: 'policy', mountPath: PATHS.policy, readOnly: true },
                { name: 'state', mountPath: PATHS.state },
                TMP_VOLUME.mount,
              ],
            }),
          ],
          volumes: [
            tls.volume,
            { name: 'policy', configMap: { name: NAMES.fleetPolicy } },
            // A shard dies with its session: nothing of it outlives the pod.
            { name: 'state', emptyDir: {} },
            TMP_VOLUME.volume,
          ],
        },
      },
    },
  });
  return { file: 'fleet-shards.yaml', objects: [policy, service, statefulSet] };
}
