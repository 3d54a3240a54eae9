/**
 * What every rendered manifest shares (docs/kubernetes.md): object names, ports, paths inside
 * the pods, labels, and the security context each container starts from. One place, so a
 * selector, a mount and the flag that reads it cannot drift apart.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import { Service } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { LinuxCapability } from '../../core/faults.js';
import { SQUALL_VERSION } from '../../core/version.js';

/** The four workloads, as `app.kubernetes.io/component` names them. */
export type Component = 'fault-agent' | 'fleet-shard' | 'controller' | 'serve';

/** Object names. The headless Service `squall-agents` is how controllers find fault agents by DNS. */
export const NAMES = {
  agent: 'squall-agent',
  agentsService: 'squall-agents',
  agentPolicy: 'squall-agent-policy',
  agentTls: 'squall-agent-tls',
  fleet: 'squall-fleet',
  fleetPolicy: 'squall-fleet-policy',
  fleetTls: 'squall-fleet-tls',
  controller: 'squall-controller',
  controllerTls: 'squall-controller-tls',
  suite: 'squall-suite',
  serve: 'squall-serve',
  runs: 'squall-runs',
} as const;

export const AGENT_PORT = 7070;
/** `squall agent --health`: plain-HTTP /livez and /readyz for the kubelet (agents/server/health.ts). */
export const HEALTH_PORT = 7071;
export const SERVE_PORT = 8080;

/** Where things are inside the pods. */
export const PATHS = {
  /** A `kubernetes.io/tls` Secret: ca.crt, tls.crt, tls.key. */
  tls: '/etc/squall/tls',
  policy: '/etc/squall/policy',
  suite: '/etc/squall/suite',
  state: '/var/lib/squall',
  runs: '/var/lib/squall/runs',
} as const;

/** The files of a mounted TLS Secret, as the flags of `squall agent` and an experiment's `tls:` name them. */
export const TLS_FILES = {
  ca: `${PATHS.tls}/ca.crt`,
  cert: `${PATHS.tls}/tls.crt`,
  key: `${PATHS.tls}/tls.key`,
} as const;

/** The user non-root pods run as (the `nonroot` user of distroless images). */
const NON_ROOT_ID = 65532;

/** The labels a selector matches: stable across versions (selectors are immutable). */
export function selectorLabels(component: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': 'squall', 'app.kubernetes.io/component': component };
}

export function labels(component: Component): Record<string, string> {
  return {
    ...selectorLabels(component),
    'app.kubernetes.io/part-of': 'squall',
    'app.kubernetes.io/version': SQUALL_VERSION,
    'app.kubernetes.io/managed-by': 'squall-deploy-render',
  };
}

export function metadata(name: string, namespace: string, component?: Component) {
  return { name, namespace, ...(component ? { labels: labels(component) } : {}) };
}

/**
 * The pod's identity: root only when a capability is needed, because Kubernetes grants added
 * capabilities to the container's bounding and permitted sets but has no ambient set, so a
 * non-root process (and the `nft`, `tc` it runs) would not have them effective.
 */
export function podSecurity(asRoot: boolean): IPodSecurityContext {
  const seccompProfile = { type: 'RuntimeDefault' as const };
  if (asRoot) return { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, seccompProfile };
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    // Secret and emptyDir files group-owned by this gid: readable without being world-readable.
    fsGroup: NON_ROOT_ID,
    seccompProfile,
  };
}

/**
 * Every capability dropped but `add`. `allowPrivilegeEscalation: false` everywhere the API
 * allows it: with CAP_SYS_ADMIN added it refuses the pair (Kubernetes API validation), and the
 * field could not hold anyway.
 */
export function containerSecurity(add: readonly LinuxCapability[] = []): ISecurityContext {
  return {
    privileged: false,
    ...(add.includes('SYS_ADMIN') ? {} : { allowPrivilegeEscalation: false }),
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'], ...(add.length ? { add: [...add] } : {}) },
  };
}

/**
 * Memory requested and capped at the same size (a simulator that swells past its estimate
 * should fail loudly, not starve the node); CPU requested, never capped: CFS throttling would
 * show up as latency in the very numbers the fleet measures.
 */
export function resources(cpu: string, memory: string): IResourceRequirements {
  return { requests: { cpu, memory }, limits: { memory } };
}

/** The agent's probes, on its plain-HTTP health port; generous, so a busy agent is not killed mid-fault. */
const AGENT_PROBES: Pick<IContainer, 'livenessProbe' | 'readinessProbe'> = {
  livenessProbe: {
    httpGet: { path: '/livez', port: 'health' },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 6,
  } satisfies IProbe,
  readinessProbe: {
    httpGet: { path: '/readyz', port: 'health' },
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 2,
  } satisfies IProbe,
};

/** A TLS Secret mounted read-only at PATHS.tls, readable by the pod's user only (or its fsGroup). */
export function tlsVolume(secretName: string, asRoot: boolean): { volume: IVolume; mount: IVolumeMount } {
  return {
    volume: { name: 'tls', secret: { secretName, defaultMode: asRoot ? 0o400 : 0o440 } },
    mount: { name: 'tls', mountPath: PATHS.tls, readOnly: true },
  };
}

/** Scratch space for a read-only root filesystem. */
export const TMP_VOLUME: { volume: IVolume; mount: IVolumeMount } = {
  volume: { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  mount: { name: 'tmp', mountPath: '/tmp' },
};

/** `squall agent`'s TLS flags for a Secret mounted by `tlsVolume`. */
const AGENT_TLS_ARGS = ['--tls-ca', TLS_FILES.ca, '--tls-cert', TLS_FILES.cert, '--tls-key', TLS_FILES.key];

/**
 * The `squall agent` container both agent workloads run (the fault agent's DaemonSet and the
 * fleet shards' StatefulSet): mTLS on the gRPC port, its policy and ledger from the mounted
 * paths, health on its own port, and `--host` read from the pod (`hostFrom`).
 */
export function agentContainer(spec: {
  image: string;
  /** Where the agent's name comes from: the node (a DaemonSet) or the pod (a StatefulSet). */
  hostFrom: 'spec.nodeName' | 'metadata.name';
  resources: IResourceRequirements;
  securityContext: ISecurityContext;
  volumeMounts: IVolumeMount[];
}): IContainer {
  const hostVar = spec.hostFrom === 'spec.nodeName' ? 'NODE_NAME' : 'POD_NAME';
  return {
    name: 'agent',
    image: spec.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['squall'],
    args: [
      'agent',
      '--listen',
      `0.0.0.0:${AGENT_PORT}`,
      ...AGENT_TLS_ARGS,
      '--policy',
      `${PATHS.policy}/policy.yaml`,
      '--ledger',
      `${PATHS.state}/ledger`,
      '--health',
      `0.0.0.0:${HEALTH_PORT}`,
      '--host',
      `$(${hostVar})`,
    ],
    env: [
      { name: hostVar, valueFrom: { fieldRef: { fieldPath: spec.hostFrom } } },
      { name: 'HOME', value: '/tmp' },
    ],
    ports: [
      { name: 'grpc', containerPort: AGENT_PORT, protocol: 'TCP' },
      { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
    ],
    ...AGENT_PROBES,
    resources: spec.resources,
    securityContext: spec.securityContext,
    volumeMounts: spec.volumeMounts,
  };
}

/**
 * What both agent workloads have beside their pods: the policy as a ConfigMap, and a headless
 * Service on the gRPC port whose A records are the ready pods (how controllers find them).
 */
export function agentPolicyAndService(spec: {
  namespace: string;
  component: 'fault-agent' | 'fleet-shard';
  policyName: string;
  serviceName: string;
  policyText: string;
}): { policy: ConfigMap; service: Service } {
  const { namespace, component } = spec;
  return {
    policy: new ConfigMap({
      metadata: metadata(spec.policyName, namespace, component),
      data: { 'policy.yaml': spec.policyText },
    }),
    service: new Service({
      metadata: metadata(spec.serviceName, namespace, component),
      spec: {
        clusterIP: 'None',
        selector: selectorLabels(component),
        ports: [{ name: 'grpc', port: AGENT_PORT, targetPort: 'grpc', protocol: 'TCP' }],
        publishNotReadyAddresses: false,
      },
    }),
  };
}

/** A kubernetes-models object: checked against the Kubernetes OpenAPI schema by `validate()`. */
export interface K8sObject {
  validate(): void;
  toJSON(): unknown;
}

/** One output file: a component's objects, in the order `kubectl apply` should see them. */
export interface RenderedFile {
  /** File name under --out, e.g. `fault-agent.yaml`. */
  readonly file: string;
  readonly objects: readonly K8sObject[];
  /** Holds private keys: written 0600. */
  readonly secret?: boolean;
}
