/**
 * The fault agent as a DaemonSet: one `squall agent` per node, with exactly the privileges the
 * drivers its policy allows need (agents/server/policy-privileges.ts): capabilities, and the
 * node's network or pid namespace when the drivers fault the node's own traffic or processes.
 * Plus its policy ConfigMap and the headless Service `squall-agents`, whose DNS A records are
 * every ready agent's address (how controllers find agents: docs/kubernetes.md).
 */
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { PolicyPrivileges } from '../../../agents/server/policy-privileges.js';
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

export interface FaultAgentInput {
  namespace: string;
  image: string;
  /** The policy file's text as the agent reads it (policy-text.ts: health port protected). */
  policyText: string;
  privileges: PolicyPrivileges;
}

/** Where a node-level agent keeps its ledger: on the node, per namespace, so a new pod reverts what an old one left. */
const nodeLedgerPath = (namespace: string) => `/var/lib/squall/${namespace}/fault-agent`;

export function renderFaultAgent(input: FaultAgentInput): RenderedFile {
  const { namespace, privileges } = input;
  const asRoot = privileges.capabilities.length > 0;
  const hostNetwork = privileges.hostNamespaces.includes('network');
  const hostPID = privileges.hostNamespaces.includes('pid');
  // Faults on the node (its nft tables, its stopped processes) outlive the pod: so must the
  // ledger that undoes them. Faults inside the pod die with it; an emptyDir is enough.
  const state: IVolume = {
    name: 'state',
    ...(hostNetwork || hostPID
      ? { hostPath: { path: nodeLedgerPath(namespace), type: 'DirectoryOrCreate' } }
      : { emptyDir: {} }),
  };
  const tls = tlsVolume(NAMES.agentTls, asRoot);
  const volumes: IVolume[] = [
    tls.volume,
    { name: 'policy', configMap: { name: NAMES.agentPolicy } },
    state,
    TMP_VOLUME.volume,
  ];
  const mounts: IVolumeMount[] = [
    tls.mount,
    { name: 'policy', mountPath: PATHS.policy, readOnly: true },
    { name: 'state', mountPath: PATHS.state },
    TMP_VOLUME.mount,
  ];
  if (privileges.capabilities.includes('SYS_ADMIN')) {
    // The netem probe's throwaway namespace is mounted under /run/netns (tc-netem.ts).
    volumes.push({ name: 'netns', emptyDir: {} });
    mounts.push({ name: 'netns', mountPath: '/run/netns' });
  }

  const { policy, service } = agentPolicyAndService({
    namespace,
    component: 'fault-agent',
    policyName: NAMES.agentPolicy,
    serviceName: NAMES.agentsService,
    policyText: input.policyText,
  });
  const daemonSet = new DaemonSet({
    metadata: metadata(NAMES.agent, namespace, 'fault-agent'),
    spec: {
      selector: { matchLabels: selectorLabels('fault-agent') },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: labels('fault-agent') },
        spec: {
          serviceAccountName: NAMES.agent,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          ...(hostPID ? { hostPID: true } : {}),
          securityContext: podSecurity(asRoot),
          // SIGTERM: the agent reverts every fault, then exits (well under a second measured).
          terminationGracePeriodSeconds: 30,
          containers: [
            agentContainer({
              image: input.image,
              hostFrom: 'spec.nodeName',
              resources: resources('100m', '256Mi'),
              securityContext: containerSecurity(privileges.capabilities),
              volumeMounts: mounts,
            }),
          ],
          volumes,
        },
      },
    },
  });
  return { file: 'fault-agent.yaml', objects: [policy, service, daemonSet] };
}
