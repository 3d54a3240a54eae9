/**
 * `squall deploy render`'s whole job, without the command line: from an agent policy, a device
 * count, a certs directory and (optionally) a suite, every manifest Squall needs in a cluster,
 * each object checked against the Kubernetes OpenAPI schema (kubernetes-models) before
 * anything is written. docs/kubernetes.md says what each file holds and why.
 */
import { parse as parseYaml } from 'yaml';
import { faultDrivers } from '../../../agents/faults/catalog.js';
import { allowsName, parsePolicy } from '../../../agents/server/policy.js';
import { policyPrivileges } from '../../../agents/server/policy-privileges.js';
import { SquallError } from '../../core/errors.js';
import type { LoadedSuite } from '../../suite/load.js';
import { renderAccess } from './access.js';
import { type Component, HEALTH_PORT, NAMES, type RenderedFile } from './common.js';
import { renderController } from './controller.js';
import { renderFaultAgent } from './fault-agent.js';
import { fleetPodNames, fleetSizing, renderFleetShards } from './fleet-shards.js';
import { podSecurityLevel, renderNamespace } from './namespace.js';
import { fleetPolicyText, withProtectedPorts } from './policy-text.js';
import { renderSecrets, type WantedCert } from './secrets.js';
import { renderServe } from './serve.js';
import { packSuite } from './suite-files.js';

export interface RenderOptions {
  namespace: string;
  image: string;
  /** The fault agent's policy file: its capabilities are derived from the drivers it allows. */
  policy: { file: string; text: string };
  /** Devices the fleet shards simulate in all, and at most per pod. */
  devices: number;
  devicesPerPod: number;
  /** A `squall certs init` directory, and how messages name it. */
  certs: { dir: string; label: string };
  /** The controller certificate's name (`squall certs init --controller`). */
  controllerName: string;
  /** The game day the CronJob runs; no CronJob without one. */
  suite?: LoadedSuite;
  schedule: string;
  timeZone: string;
  runsStorage: string;
}

export interface Rendered {
  /** In the order `kubectl apply` should create them. */
  readonly files: readonly RenderedFile[];
  /** Things the operator should know that do not stop the render. */
  readonly notes: readonly string[];
}

export async function renderDeployment(o: RenderOptions): Promise<Rendered> {
  const notes: string[] = [];
  const agentPolicyText = withProtectedPorts(o.policy.text, o.policy.file, [HEALTH_PORT]);
  const policy = parsePolicy(parseYaml(agentPolicyText), o.policy.file);
  const privileges = policyPrivileges(policy, faultDrivers.values());
  for (const pattern of privileges.unmatched) {
    notes.push(
      `${o.policy.file}: drivers entry '${pattern}' allows no known driver (${faultDrivers.unknownMessage(pattern)})`,
    );
  }
  if (privileges.hostNamespaces.includes('network')) {
    // In the DaemonSet the agent's own namespace ('self') is the node's; no other is mounted.
    const hosts = policy.targets.hosts;
    if (!allowsName(hosts, 'self')) {
      notes.push(
        `${o.policy.file}: targets.hosts [${hosts.join(', ')}] does not allow 'self', the node's own network in the DaemonSet, so it refuses every network fault there: add self`,
      );
    }
    if (hosts.some((h) => h !== 'self')) {
      notes.push(
        `${o.policy.file}: targets.hosts allows network namespaces other than 'self'; the DaemonSet mounts none and grants no CAP_SYS_ADMIN to enter one: write target.host: self in experiments`,
      );
    }
  }
  if (privileges.hostNamespaces.includes('pid') && policy.targets.pids === false) {
    notes.push(
      `${o.policy.file}: process faults are allowed, but targets.pids is false and the DaemonSet renders no agent --config, so they can name no process on the node: allow targets.pids (the node's pids: the pod shares its pid namespace)`,
    );
  }
  const allowsController = policy.controllers.includes('*') || policy.controllers.includes(o.controllerName);
  if (o.suite && !allowsController) {
    throw new SquallError(
      'SQUALL_DEPLOY_INVALID',
      `${o.policy.file}: controllers is [${policy.controllers.join(', ')}]; the CronJob's controller certificate is '${o.controllerName}' (--controller), which every agent would refuse: add it to controllers`,
    );
  }

  const sizing = fleetSizing(o.devices, o.devicesPerPod);
  const fleetNames = fleetPodNames(sizing.replicas);
  const wanted: WantedCert[] = [
    {
      component: 'fault-agent',
      secretName: NAMES.agentTls,
      certName: NAMES.agent,
      role: 'agent',
      names: [NAMES.agent],
    },
    {
      component: 'fleet-shard',
      secretName: NAMES.fleetTls,
      certName: NAMES.fleet,
      role: 'agent',
      names: [NAMES.fleet, ...fleetNames],
    },
  ];
  if (o.suite) {
    wanted.push({
      component: 'controller',
      secretName: NAMES.controllerTls,
      certName: o.controllerName,
      role: 'controller',
      names: [],
    });
  }
  const components: Component[] = [
    'fault-agent',
    'fleet-shard',
    ...(o.suite ? ['controller' as const] : []),
    'serve',
  ];
  const suite = o.suite ? await packSuite(o.suite) : undefined;
  if (!o.suite) notes.push('no --suite: no controller CronJob rendered (squall serve and the agents are)');

  const files: RenderedFile[] = [
    renderNamespace(o.namespace, podSecurityLevel(privileges)),
    renderAccess(o.namespace, components),
    renderSecrets(o.namespace, o.certs, wanted),
    renderFaultAgent({ namespace: o.namespace, image: o.image, policyText: agentPolicyText, privileges }),
    renderFleetShards({
      namespace: o.namespace,
      image: o.image,
      sizing,
      policyText: fleetPolicyText({
        devicesPerPod: o.devicesPerPod,
        workers: sizing.workers,
        controllers: policy.controllers,
        protectedPorts: [HEALTH_PORT],
      }).text,
    }),
    renderServe({ namespace: o.namespace, image: o.image, runsStorage: o.runsStorage }),
    ...(suite
      ? [
          renderController({
            namespace: o.namespace,
            image: o.image,
            schedule: o.schedule,
            timeZone: o.timeZone,
            suite,
          }),
        ]
      : []),
  ];
  for (const file of files) for (const object of file.objects) validateObject(file.file, object);
  return { files, notes };
}

/** A rendered object the schema refuses is a bug here, not the operator's input. */
function validateObject(file: string, object: RenderedFile['objects'][number]): void {
  try {
    object.validate();
  } catch (err) {
    const { kind, metadata } = object.toJSON() as { kind?: string; metadata?: { name?: string } };
    throw new SquallError(
      'SQUALL_INTERNAL',
      `${file}: ${kind} ${metadata?.name}: the Kubernetes schema refuses it: ${(err as Error).message}`,
    );
  }
}
