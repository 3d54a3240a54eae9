/**
 * Who may call the Kubernetes API, by component. Today none of them does: agents are found by
 * the DNS records of their headless Services and reached over mTLS, the controller reads its
 * suite from a mounted ConfigMap, and serve reads a volume. So each gets a ServiceAccount of
 * its own with no token mounted and no Role. A component that starts calling the API adds its
 * rules to its row here, and gets exactly a Role with those rules and a RoleBinding to its
 * account; nothing is granted cluster-wide.
 */

import type { IPolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { type Component, type K8sObject, metadata, NAMES, type RenderedFile } from './common.js';

/** Each component's ServiceAccount, and the API calls it makes. */
const COMPONENT_ACCESS: Record<Component, { account: string; rules: readonly IPolicyRule[] }> = {
  'fault-agent': { account: NAMES.agent, rules: [] },
  'fleet-shard': { account: NAMES.fleet, rules: [] },
  controller: { account: NAMES.controller, rules: [] },
  serve: { account: NAMES.serve, rules: [] },
};

export function renderAccess(
  namespace: string,
  components: readonly Component[],
  access: Record<Component, { account: string; rules: readonly IPolicyRule[] }> = COMPONENT_ACCESS,
): RenderedFile {
  const objects: K8sObject[] = [];
  for (const component of components) {
    const { account, rules } = access[component];
    objects.push(
      new ServiceAccount({
        metadata: metadata(account, namespace, component),
        automountServiceAccountToken: false,
      }),
    );
    if (rules.length === 0) continue;
    objects.push(
      new Role({ metadata: metadata(account, namespace, component), rules: [...rules] }),
      new RoleBinding({
        metadata: metadata(account, namespace, component),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
      }),
    );
  }
  return { file: 'rbac.yaml', objects };
}
