/**
 * The rendered manifests, checked as far as anything can be without a cluster (none exists
 * here: docs/kubernetes.md). Every object against the Kubernetes OpenAPI schema
 * (kubernetes-models' validate); and what the schema cannot see: selectors that select the
 * pods, references that resolve to rendered objects, the security context of every pod, its
 * resources, and the files as `kubectl apply -k` reads them. Real certificates from
 * `squall certs init`, the repository's own agent policy and a fixture suite.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { streamText, writeRendered } from './output.js';
import { type Rendered, renderDeployment } from './render.js';
import {
  byKind,
  loadFixtureSuite,
  type Manifest,
  makeCerts,
  manifests,
  one,
  options,
  podTemplate,
  WORKLOADS,
} from './test-support/fixture.js';

let certs: ReturnType<typeof makeCerts>;
let rendered: Rendered;
let all: Manifest[];
beforeAll(async () => {
  certs = makeCerts();
  rendered = await renderDeployment(options(certs.dir, { suite: await loadFixtureSuite('monthly') }));
  all = manifests(rendered);
});
afterAll(() => certs.remove());

const workloads = () => all.filter((m) => WORKLOADS.includes(m.kind));
const containersOf = (m: Manifest) => podTemplate(m).spec.containers;

describe('squall deploy render: the manifests', () => {
  it('renders every component, and every object passes the Kubernetes OpenAPI schema', () => {
    expect(rendered.files.map((f) => f.file)).toEqual([
      'namespace.yaml',
      'rbac.yaml',
      'secrets.yaml',
      'fault-agent.yaml',
      'fleet-shards.yaml',
      'serve.yaml',
      'controller.yaml',
    ]);
    expect(workloads().map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'DaemonSet/squall-agent',
      'StatefulSet/squall-fleet',
      'Deployment/squall-serve',
      'CronJob/squall-controller',
    ]);
    for (const file of rendered.files)
      for (const object of file.objects) expect(() => object.validate()).not.toThrow();
    for (const m of all.filter((m) => m.kind !== 'Namespace'))
      expect(m.metadata.namespace, m.kind).toBe('chaos');
  });

  it('the schema check is real: the same DaemonSet with a port that is not a number is refused', () => {
    const daemonSet = one(all, 'DaemonSet', 'squall-agent');
    const broken = structuredClone(daemonSet);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'grpc';
    const { apiVersion: _a, kind: _k, ...data } = broken;
    expect(() => new DaemonSet(data as never).validate()).toThrow(/containerPort must be integer/);
  });

  it("every workload's selector selects its own pods, and every Service selects a workload's pods", () => {
    for (const w of workloads().filter((m) => m.kind !== 'CronJob')) {
      const podLabels = podTemplate(w).metadata!.labels!;
      const selector = w.spec.selector.matchLabels as Record<string, string>;
      expect(Object.keys(selector).length, w.kind).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(selector))
        expect(podLabels[key], `${w.kind} ${key}`).toBe(value);
    }
    for (const service of byKind(all, 'Service')) {
      const selected = workloads().filter((w) =>
        Object.entries(service.spec.selector as Record<string, string>).every(
          ([k, v]) => podTemplate(w).metadata!.labels![k] === v,
        ),
      );
      expect(selected.length, service.metadata.name).toBe(1);
      // A named targetPort must be a port the selected pods declare.
      const named = containersOf(selected[0]!).flatMap((c) => (c.ports ?? []).map((p) => p.name));
      for (const port of service.spec.ports) expect(named, service.metadata.name).toContain(port.targetPort);
    }
  });

  it('discovery: the headless Service squall-agents selects the fault agents on port 7070', () => {
    const service = one(all, 'Service', 'squall-agents');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ name: 'grpc', port: 7070, targetPort: 'grpc', protocol: 'TCP' }]);
    const daemonSet = one(all, 'DaemonSet', 'squall-agent');
    expect(podTemplate(daemonSet).metadata!.labels).toMatchObject(service.spec.selector);
    // The StatefulSet's pods get their stable DNS names from its own headless Service.
    const fleet = one(all, 'StatefulSet', 'squall-fleet');
    expect(one(all, 'Service', fleet.spec.serviceName).spec.clusterIP).toBe('None');
  });

  it('every Secret, ConfigMap (and key), ServiceAccount and claim a pod names is rendered', () => {
    for (const w of workloads()) {
      const pod = podTemplate(w).spec;
      expect(one(all, 'ServiceAccount', pod.serviceAccountName!)).toBeDefined();
      const volumeNames = (pod.volumes ?? []).map((v) => v.name);
      for (const c of pod.containers) {
        for (const mount of c.volumeMounts ?? [])
          expect(volumeNames, `${w.kind} ${mount.name}`).toContain(mount.name);
      }
      for (const volume of pod.volumes ?? []) {
        if (volume.secret)
          expect(one(all, 'Secret', volume.secret.secretName!).type).toBe('kubernetes.io/tls');
        if (volume.configMap) {
          const configMap = one(all, 'ConfigMap', volume.configMap.name!);
          for (const item of volume.configMap.items ?? [])
            expect(Object.keys(configMap.data!)).toContain(item.key);
        }
        if (volume.persistentVolumeClaim)
          one(all, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName);
      }
    }
  });

  it('no pod is privileged; every container drops every capability, escalates nothing, writes no root filesystem', () => {
    for (const w of workloads()) {
      for (const c of containersOf(w)) {
        const sc = c.securityContext!;
        expect(sc.privileged, w.kind).toBe(false);
        expect(sc.capabilities?.drop, w.kind).toEqual(['ALL']);
        expect(sc.readOnlyRootFilesystem, w.kind).toBe(true);
        // The API refuses allowPrivilegeEscalation: false together with CAP_SYS_ADMIN only.
        if (!sc.capabilities?.add?.includes('SYS_ADMIN'))
          expect(sc.allowPrivilegeEscalation, w.kind).toBe(false);
      }
      expect(podTemplate(w).spec.securityContext?.seccompProfile?.type, w.kind).toBe('RuntimeDefault');
    }
  });

  it('fleet shards, serve and the controller run as non-root with no capability added', () => {
    for (const w of workloads().filter((m) => m.kind !== 'DaemonSet')) {
      const pod = podTemplate(w).spec;
      expect(pod.securityContext?.runAsNonRoot, w.kind).toBe(true);
      expect(pod.securityContext?.runAsUser, w.kind).toBeGreaterThan(0);
      expect(pod.hostNetwork ?? false, w.kind).toBe(false);
      expect(pod.hostPID ?? false, w.kind).toBe(false);
      for (const c of pod.containers) expect(c.securityContext?.capabilities?.add, w.kind).toBeUndefined();
    }
  });

  it('every container requests CPU and memory and caps memory', () => {
    for (const w of workloads()) {
      for (const c of containersOf(w)) {
        expect(c.resources?.requests?.cpu, w.kind).toBeDefined();
        expect(c.resources?.requests?.memory, w.kind).toBeDefined();
        expect(c.resources?.limits?.memory, w.kind).toBe(c.resources?.requests?.memory);
      }
    }
  });

  it('the agents have liveness and readiness probes on their health port, which their policies protect', () => {
    for (const name of ['squall-agent', 'squall-fleet']) {
      const w = all.find((m) => m.metadata.name === name && WORKLOADS.includes(m.kind))!;
      const [agent] = containersOf(w);
      expect(agent!.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'health' });
      expect(agent!.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
      const health = agent!.ports!.find((p) => p.name === 'health')!.containerPort;
      expect(agent!.args).toContain(`0.0.0.0:${health}`);
      const policyMap = podTemplate(w).spec.volumes!.find((v) => v.name === 'policy')!.configMap!.name!;
      expect(parse(one(all, 'ConfigMap', policyMap).data!['policy.yaml']!).protected.ports).toContain(health);
    }
  });

  it('no component calls the Kubernetes API: a ServiceAccount each, no token mounted, no Role', () => {
    expect(byKind(all, 'ServiceAccount').map((m) => m.metadata.name)).toEqual([
      'squall-agent',
      'squall-fleet',
      'squall-controller',
      'squall-serve',
    ]);
    for (const account of byKind(all, 'ServiceAccount'))
      expect(account.automountServiceAccountToken).toBe(false);
    for (const w of workloads()) expect(podTemplate(w).spec.automountServiceAccountToken, w.kind).toBe(false);
    expect(all.filter((m) => /Role/.test(m.kind))).toEqual([]);
  });

  it('the Secrets hold each certificate, its key and the CA certificate, never the CA key', () => {
    const caKey = readFileSync(join(certs.dir, 'ca.key'), 'utf8');
    const caCert = readFileSync(join(certs.dir, 'ca.pem'), 'utf8');
    for (const [secret, name] of [
      ['squall-agent-tls', 'squall-agent'],
      ['squall-fleet-tls', 'squall-fleet'],
      ['squall-controller-tls', 'squall-controller'],
    ] as const) {
      const data = one(all, 'Secret', secret).data!;
      const text = (key: string) => Buffer.from(data[key]!, 'base64').toString('utf8');
      expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      expect(text('ca.crt')).toBe(caCert);
      expect(text('tls.crt')).toBe(readFileSync(join(certs.dir, `${name}.pem`), 'utf8'));
      expect(text('tls.key')).toBe(readFileSync(join(certs.dir, `${name}.key`), 'utf8'));
      for (const key of Object.keys(data)) expect(text(key)).not.toBe(caKey);
    }
  });

  it('the CronJob runs the suite monthly, never retried, never two at once', () => {
    const cron = one(all, 'CronJob', 'squall-controller');
    expect(cron.spec).toMatchObject({
      schedule: '0 3 1 * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
    });
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = podTemplate(cron).spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0]!.args).toEqual(['run', '/etc/squall/suite/suites/monthly.yaml']);
    // The suite runs 2 × (60 s + 30 s + 120 s) + 2 min: the deadline is well past it.
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBeGreaterThan(2 * 210 + 120);
  });

  it('writes one file per component and a kustomization listing them; secrets.yaml is 0600', () => {
    const dir = join(certs.dir, 'out');
    try {
      const written = writeRendered(dir, 'chaos', rendered.files);
      expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
        ...rendered.files.map((f) => f.file),
        'kustomization.yaml',
      ]);
      const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
      expect(kustomization).toEqual({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: 'chaos',
        resources: rendered.files.map((f) => f.file),
      });
      const reread = rendered.files.flatMap((f) =>
        parseAllDocuments(readFileSync(join(dir, f.file), 'utf8')).map((d) => d.toJS()),
      );
      expect(reread).toEqual(all);
      expect(statSync(join(dir, 'secrets.yaml')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'fault-agent.yaml')).mode & 0o777).toBe(0o644);
      expect(parseAllDocuments(streamText(rendered.files)).map((d) => d.toJS())).toEqual(all);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
