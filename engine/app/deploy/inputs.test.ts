/**
 * What the rendered manifests hand the programs in the pods, checked with those programs' own
 * code: the fleet pods' policy through the agent's real policy gate, fed the controller's real
 * split of the fleet; the suite's ConfigMap laid out as the kubelet mounts it and loaded by the
 * real loader; and the inputs `squall deploy render` refuses, each with a message that says
 * what to change (SQUALL_DEPLOY_INVALID, nothing written).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createPolicyGate, parsePolicy } from '../../../agents/server/policy.js';
import type { FleetConfig } from '../../../simulator/fleet-config.js';
import { shardCountFor } from '../../../simulator/shard-plan.js';
import { splitFleet } from '../../controller/fleet-split.js';
import { isSquallError } from '../../core/errors.js';
import { loadSpecFile } from '../load.js';
import { HEALTH_PORT, PATHS } from './common.js';
import { fleetSizing } from './fleet-shards.js';
import { withProtectedPorts } from './policy-text.js';
import { renderDeployment } from './render.js';
import {
  FIXTURES,
  K8S_POLICY,
  loadFixtureSuite,
  makeCerts,
  manifests,
  one,
  options,
  podTemplate,
  REPO_POLICY,
} from './test-support/fixture.js';

let certs: ReturnType<typeof makeCerts>;
beforeAll(() => {
  certs = makeCerts(4);
});
afterAll(() => certs.remove());

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSquallError(err) && err.code, String(err)).toBe('SQUALL_DEPLOY_INVALID');
  return (err as Error).message;
}

describe('fleet shards: what the pods will accept', () => {
  it.each([
    [10_000, 5_000],
    [20_000, 5_000],
    [45_000, 20_000],
  ])(
    '%i devices at %i per pod: the controller’s split over the pods fits every pod’s policy',
    async (devices, perPod) => {
      const pods = Math.ceil(devices / perPod);
      const dir = pods > 4 ? makeCerts(pods) : certs;
      try {
        const all = manifests(await renderDeployment(options(dir.dir, { devices, devicesPerPod: perPod })));
        const fleet = one(all, 'StatefulSet', 'squall-fleet');
        expect(fleet.spec.replicas).toBe(pods);
        const policy = parsePolicy(parse(one(all, 'ConfigMap', 'squall-fleet-policy').data!['policy.yaml']!));
        expect(policy.drivers).toEqual(['fleet.shard']);
        const gate = createPolicyGate(policy);
        const config = {
          engine: { groups: [{ count: devices }] },
          shards: 'auto',
          sink: false,
        } as unknown as FleetConfig;
        const slices = splitFleet(config, pods);
        expect(slices).toHaveLength(pods);
        for (const slice of slices)
          expect(() => gate.checkShard(slice, { shards: 0, devices: 0 })).not.toThrow();
        // One device more than a pod is sized for is refused by the pod itself.
        const over = { engine: { groups: [{ count: perPod + 1 }] }, shards: 'auto' as const };
        expect(() => gate.checkShard(over, { shards: 0, devices: 0 })).toThrow(/maxShardDevices/);
        // No fault driver at all: fleet-only.
        expect(() =>
          gate.check({
            kind: 'process.kill',
            target: { pid: 42 },
            durationMs: 1000,
            reach: {},
            activeCount: 0,
          }),
        ).toThrow(/driver 'process.kill' is not allowed/);
        const sizing = fleetSizing(devices, perPod);
        expect(sizing.workers).toBe(shardCountFor('auto', perPod));
        const resources = podTemplate(fleet).spec.containers[0]!.resources!;
        expect(resources.requests).toEqual({ cpu: sizing.cpu, memory: sizing.memory });
        expect(Number(sizing.cpu)).toBe(Math.max(1, sizing.workers));
      } finally {
        if (dir !== certs) dir.remove();
      }
    },
  );

  it('both agent policies refuse any fault that would cut the health port the kubelet probes', async () => {
    const all = manifests(await renderDeployment(options(certs.dir)));
    const policyOf = (name: string) => parsePolicy(parse(one(all, 'ConfigMap', name).data!['policy.yaml']!));
    const gate = createPolicyGate(policyOf('squall-agent-policy'));
    const partition = (port: number) => ({
      kind: 'nft.partition',
      target: {},
      durationMs: 1000,
      reach: { ports: [port] },
      activeCount: 0,
    });
    expect(() => gate.check(partition(HEALTH_PORT))).toThrow(
      `fault would cut off protected port ${HEALTH_PORT}`,
    );
    expect(() => gate.check(partition(HEALTH_PORT + 1))).not.toThrow();
    // The fleet pods allow no fault at all; their health port is protected all the same.
    expect(policyOf('squall-fleet-policy').protected.ports).toEqual([HEALTH_PORT]);
    // The operator's policy is kept as written otherwise (comments too), with the port added.
    const original = readFileSync(K8S_POLICY, 'utf8');
    const rendered = one(all, 'ConfigMap', 'squall-agent-policy').data!['policy.yaml']!;
    const { protected: p1, ...rest1 } = parse(original);
    const { protected: p2, ...rest2 } = parse(rendered);
    expect(rest2).toEqual(rest1);
    expect(p2).toEqual({ ...p1, ports: [...p1.ports, HEALTH_PORT] });
    expect(rendered).toContain('# What keeps the node in the cluster');
  });
});

describe("the operator's policy text, with the health port protected", () => {
  it.each([
    ['no protected block', 'drivers: [nft.*]\n', [HEALTH_PORT]],
    ['ports already listed', 'protected: { ports: [22, 7071] }\n', [22, HEALTH_PORT]],
    ['other ports', 'protected:\n  addresses: [10.0.0.1]\n  ports: [22]\n', [22, HEALTH_PORT]],
    ['comments only (the default policy)', '# nothing here yet\n', [HEALTH_PORT]],
  ])('%s', (_what, text, ports) => {
    const out = withProtectedPorts(text, 'p.yaml', [HEALTH_PORT]);
    expect(parsePolicy(parse(out)).protected.ports).toEqual(ports);
    if (text.startsWith('#')) expect(out).toContain('# nothing here yet');
  });

  it('a policy the agent would refuse is refused here, naming the file', () => {
    expect(() => withProtectedPorts('drivers: nft.*\n', 'p.yaml', [HEALTH_PORT])).toThrow(
      /p\.yaml: invalid policy/,
    );
  });
});

describe('the suite as the controller pod sees it', () => {
  it('mounted as the kubelet lays out the ConfigMap, the suite loads and validates, runbooks included', async () => {
    const all = manifests(
      await renderDeployment(options(certs.dir, { suite: await loadFixtureSuite('monthly') })),
    );
    const configMap = one(all, 'ConfigMap', 'squall-suite');
    const cron = podTemplate(one(all, 'CronJob', 'squall-controller')).spec;
    const items = cron.volumes!.find((v) => v.name === 'suite')!.configMap!.items!;
    const pod = mkdtempSync(join(tmpdir(), 'squall-deploy-pod-'));
    try {
      for (const item of items) {
        mkdirSync(dirname(join(pod, item.path)), { recursive: true });
        writeFileSync(join(pod, item.path), configMap.data![item.key]!);
      }
      const suitePath = cron.containers[0]!.args![1]!;
      expect(suitePath.startsWith(`${PATHS.suite}/`)).toBe(true);
      const loaded = await loadSpecFile(join(pod, suitePath.slice(PATHS.suite.length + 1)));
      expect(loaded.kind).toBe('Suite');
      // The experiment's own runbook (../runbooks/monthly.md) is where the pod looks for it.
      expect(items.map((i) => i.path).sort()).toEqual([
        'experiments/fleet-partition.yaml',
        'runbooks/monthly.md',
        'suites/monthly.yaml',
      ]);
    } finally {
      rmSync(pod, { recursive: true, force: true });
    }
  });

  it('refuses agent TLS paths that name nothing in the pod, positioned in the experiment', async () => {
    const message = await refusal(
      renderDeployment(options(certs.dir, { suite: await loadFixtureSuite('laptop') })),
    );
    expect(message).toMatch(
      /laptop-tls\.yaml:9:\d+ agents\.squall-agent\.tls\.ca: 'certs\/ca\.pem' is not in the controller pod: .* mounted as \/etc\/squall\/tls\/ca\.crt/,
    );
    expect(message).toMatch(/laptop-tls\.yaml:9:\d+ agents\.squall-agent\.tls\.cert: /);
    expect(message).not.toMatch(/tls\.key/); // that one is right
  });

  it('refuses a suite larger than one ConfigMap holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-deploy-big-'));
    try {
      writeFileSync(join(dir, 'big.md'), `# Runbook\n${'x'.repeat(1_100_000)}\n`);
      writeFileSync(
        join(dir, 'suite.yaml'),
        'apiVersion: squall/v1\nkind: Suite\nmetadata: { name: big, runbook: big.md }\nexperiments:\n  - file: ok.yaml\n',
      );
      copyFileSync(
        join(FIXTURES, '..', '..', '..', 'suite', 'fixtures', 'experiments', 'ok.yaml'),
        join(dir, 'ok.yaml'),
      );
      const suite = await loadSpecFile(join(dir, 'suite.yaml'));
      if (suite.kind !== 'Suite') throw new Error('fixture is not a suite');
      const message = await refusal(renderDeployment(options(certs.dir, { suite: suite.suite })));
      expect(message).toMatch(/\d+ bytes; one ConfigMap holds at most 1000000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the render tells the operator', () => {
  it('the Kubernetes example policy renders with no note about the policy', async () => {
    expect((await renderDeployment(options(certs.dir))).notes).toEqual([
      'no --suite: no controller CronJob rendered (squall serve and the agents are)',
    ]);
  });

  it('a policy written for a host, not a node: notes on what the DaemonSet cannot do with it', async () => {
    const policy = { file: 'docs/agent-policy.yaml', text: readFileSync(REPO_POLICY, 'utf8') };
    const { notes } = await renderDeployment(options(certs.dir, { policy }));
    expect(notes).toEqual([
      "docs/agent-policy.yaml: targets.hosts [edge-1] does not allow 'self', the node's own network in the DaemonSet, so it refuses every network fault there: add self",
      "docs/agent-policy.yaml: targets.hosts allows network namespaces other than 'self'; the DaemonSet mounts none and grants no CAP_SYS_ADMIN to enter one: write target.host: self in experiments",
      "docs/agent-policy.yaml: process faults are allowed, but targets.pids is false and the DaemonSet renders no agent --config, so they can name no process on the node: allow targets.pids (the node's pids: the pod shares its pid namespace)",
      'no --suite: no controller CronJob rendered (squall serve and the agents are)',
    ]);
  });
});

describe('refused inputs say what to change', () => {
  it('a fleet certificate without the names of every pod: the names, and the command', async () => {
    const message = await refusal(renderDeployment(options(certs.dir, { devices: 30_000 })));
    expect(message).toContain("does not carry 'squall-fleet-4', 'squall-fleet-5'");
    expect(message).toContain(
      `squall certs init --dir ${certs.dir} --agent squall-fleet --host squall-fleet=squall-fleet-0 --host squall-fleet=squall-fleet-1 --host squall-fleet=squall-fleet-2 --host squall-fleet=squall-fleet-3 --host squall-fleet=squall-fleet-4 --host squall-fleet=squall-fleet-5`,
    );
  });

  it('no certificates at all: the command that creates them', async () => {
    const message = await refusal(renderDeployment(options(join(certs.dir, 'nowhere'))));
    expect(message).toMatch(
      /ca\.pem: no CA certificate; create the certificates first:\n {2}squall certs init --dir .* --agent squall-agent --agent squall-fleet --host squall-fleet=squall-fleet-0/,
    );
  });

  it('a certificate from another CA', async () => {
    const other = makeCerts(4);
    const mixed = mkdtempSync(join(tmpdir(), 'squall-deploy-mixed-'));
    try {
      for (const f of ['ca.pem', 'ca.key', 'squall-agent.pem', 'squall-agent.key'])
        copyFileSync(join(certs.dir, f), join(mixed, f));
      for (const f of ['squall-fleet.pem', 'squall-fleet.key'])
        copyFileSync(join(other.dir, f), join(mixed, f));
      const message = await refusal(renderDeployment(options(mixed)));
      expect(message).toContain(`${join(mixed, 'squall-fleet.pem')}: not signed by ${join(mixed, 'ca.pem')}`);
    } finally {
      other.remove();
      rmSync(mixed, { recursive: true, force: true });
    }
  });

  it('an agent certificate named as the controller, and a controller the policy refuses', async () => {
    const suite = await loadFixtureSuite('monthly');
    const anyController = { file: 'open.yaml', text: "drivers: ['proxy.*']\ncontrollers: ['*']\n" };
    const asClient = await refusal(
      renderDeployment(options(certs.dir, { suite, policy: anyController, controllerName: 'squall-agent' })),
    );
    expect(asClient).toContain('squall-agent.pem: not a client (controller) certificate');
    const strict = { file: 'strict.yaml', text: "drivers: ['proxy.*']\ncontrollers: [ops-laptop]\n" };
    const refused = await refusal(renderDeployment(options(certs.dir, { suite, policy: strict })));
    expect(refused).toContain(
      "strict.yaml: controllers is [ops-laptop]; the CronJob's controller certificate is 'squall-controller'",
    );
  });
});
