/**
 * What the deploy tests share: a real `squall certs init` directory, the fixture suite and the
 * repository's Kubernetes agent policy, rendered as `squall deploy render` renders them, and the
 * rendered objects as the JSON `kubectl apply` would send.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { initCerts } from '../../../../agents/certs/cert-files.js';
import type { LoadedSuite } from '../../../suite/load.js';
import { loadSuiteFile } from '../../load.js';
import type { Rendered, RenderOptions } from '../render.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
/** The systemd example (an edge gateway host), and the Kubernetes one. */
export const REPO_POLICY = join(ROOT, 'docs', 'agent-policy.yaml');
export const K8S_POLICY = join(ROOT, 'docs', 'kubernetes-agent-policy.yaml');

/** A certs directory with the fault agent, fleet pods 0..fleetPods-1 and the default controller. */
export function makeCerts(fleetPods = 4): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'squall-deploy-certs-'));
  const fleetNames = Array.from({ length: fleetPods }, (_, i) => `squall-fleet-${i}`);
  initCerts({ dir, agents: ['squall-agent', 'squall-fleet'], hosts: { 'squall-fleet': fleetNames } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const loadFixtureSuite = (name: string): Promise<LoadedSuite> =>
  loadSuiteFile(join(FIXTURES, 'suites', `${name}.yaml`));

export function options(certsDir: string, over: Partial<RenderOptions> = {}): RenderOptions {
  return {
    namespace: 'chaos',
    image: 'registry.example/squall:test',
    policy: { file: 'docs/kubernetes-agent-policy.yaml', text: readFileSync(K8S_POLICY, 'utf8') },
    devices: 10_000,
    devicesPerPod: 5_000,
    certs: { dir: certsDir, label: certsDir },
    controllerName: 'squall-controller',
    schedule: '0 3 1 * *',
    timeZone: 'Etc/UTC',
    runsStorage: '5Gi',
    ...over,
  };
}

/** What every test reads of an object (kubernetes-models' toJSON: the apply payload). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: walked field by field in the tests
  spec?: any;
  data?: Record<string, string>;
  [field: string]: unknown;
}

export const manifests = (rendered: Rendered): Manifest[] =>
  rendered.files.flatMap((f) => f.objects.map((o) => o.toJSON() as Manifest));

export const byKind = (all: Manifest[], kind: string) => all.filter((m) => m.kind === kind);

export function one(all: Manifest[], kind: string, name: string): Manifest {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} among ${all.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found;
}

/** A workload's pod template (DaemonSet, StatefulSet, Deployment, CronJob). */
export function podTemplate(m: Manifest): IPodTemplateSpec & { spec: IPodSpec } {
  return m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec.template;
}

export const WORKLOADS = ['DaemonSet', 'StatefulSet', 'Deployment', 'CronJob'];
