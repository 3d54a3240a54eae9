/**
 * The namespace, labelled with the Pod Security Standard its pods need and no looser: the
 * fault agent decides it (the other pods meet `restricted`). Sharing a node namespace, a
 * hostPath or a capability outside the baseline list is `privileged`; root with baseline
 * capabilities only is `baseline`; no capability at all (a proxy- and stress-only policy) keeps
 * the whole namespace `restricted`. https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { PolicyPrivileges } from '../../../agents/server/policy-privileges.js';
import type { RenderedFile } from './common.js';

export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** Capabilities the baseline standard allows a container to add. */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

export function podSecurityLevel(
  agent: Pick<PolicyPrivileges, 'capabilities' | 'hostNamespaces'>,
): PodSecurityLevel {
  if (agent.hostNamespaces.length > 0) return 'privileged';
  if (agent.capabilities.some((c) => !BASELINE_CAPABILITIES.has(c))) return 'privileged';
  return agent.capabilities.length > 0 ? 'baseline' : 'restricted';
}

export function renderNamespace(name: string, level: PodSecurityLevel): RenderedFile {
  const namespace = new Namespace({
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/part-of': 'squall',
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  });
  return { file: 'namespace.yaml', objects: [namespace] };
}
