/**
 * The fault agent's DaemonSet asks for no capability and no node namespace its policy does not
 * use. For policies allowing each driver alone, a few groups, the repository's example and
 * everything: what the DaemonSet adds is exactly what the allowed drivers declare in their own
 * files (`privileges`), and what docs/security.md's table says they need. A driver that is not
 * allowed contributes nothing; a new driver's privilege arrives with its file alone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { faultDrivers } from '../../../agents/faults/catalog.js';
import { parsePolicy } from '../../../agents/server/policy.js';
import { policyPrivileges } from '../../../agents/server/policy-privileges.js';
import { defineFaultDriver, type FaultDriver } from '../../core/faults.js';
import { renderFaultAgent } from './fault-agent.js';
import { podSecurityLevel } from './namespace.js';
import { K8S_POLICY, type Manifest, one, REPO_POLICY } from './test-support/fixture.js';

const daemonSetFor = (drivers: string[], known: readonly FaultDriver<unknown>[] = faultDrivers.values()) => {
  const privileges = policyPrivileges(parsePolicy({ drivers }), known);
  const file = renderFaultAgent({ namespace: 'chaos', image: 'squall:test', policyText: '{}', privileges });
  for (const object of file.objects) object.validate();
  const daemonSet = one(
    file.objects.map((o) => o.toJSON() as Manifest),
    'DaemonSet',
    'squall-agent',
  );
  const pod = daemonSet.spec.template.spec;
  return {
    privileges,
    pod,
    added: (pod.containers[0].securityContext.capabilities.add ?? []) as string[],
    hostNetwork: pod.hostNetwork === true,
    hostPID: pod.hostPID === true,
    hostPath: pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath !== undefined),
  };
};

/** The union, computed here from the driver files' declarations, not by the code under test. */
function declared(names: readonly string[]) {
  const caps = new Set<string>();
  const namespaces = new Set<string>();
  for (const name of names) {
    const p = faultDrivers.get(name)!.privileges ?? {};
    for (const c of p.capabilities ?? []) caps.add(c);
    for (const n of p.hostNamespaces ?? []) namespaces.add(n);
  }
  return { caps: [...caps].sort(), namespaces };
}

describe('the DaemonSet asks for no capability its policy does not use', () => {
  it.each(faultDrivers.names())('a policy allowing only %s: exactly what that driver declares', (name) => {
    const ds = daemonSetFor([name]);
    const want = declared([name]);
    expect(ds.added.sort()).toEqual(want.caps);
    expect(ds.hostNetwork).toBe(want.namespaces.has('network'));
    expect(ds.hostPID).toBe(want.namespaces.has('pid'));
    // Root only for a capability (no ambient capabilities in Kubernetes); non-root otherwise.
    expect(ds.pod.securityContext.runAsNonRoot).toBe(want.caps.length === 0);
    for (const cap of ds.added) expect(ds.privileges.neededBy.get(cap as never)).toEqual([name]);
  });

  it('what docs/security.md says each driver family needs, and nothing more', () => {
    const cases: [string[], string[], { hostNetwork: boolean; hostPID: boolean }][] = [
      [['proxy.*', 'toxiproxy.*', 'stress.*'], [], { hostNetwork: false, hostPID: false }],
      [['nft.*'], ['NET_ADMIN'], { hostNetwork: true, hostPID: false }],
      [['tc.bandwidth'], ['NET_ADMIN'], { hostNetwork: true, hostPID: false }],
      [['tc.*'], ['NET_ADMIN', 'SYS_ADMIN'], { hostNetwork: true, hostPID: false }],
      [['process.pause', 'process.kill'], ['KILL'], { hostNetwork: false, hostPID: true }],
      // Restarts only the agent's own managed processes.
      [['process.restart'], [], { hostNetwork: false, hostPID: false }],
      [['fleet.shard'], [], { hostNetwork: false, hostPID: false }],
      [['*'], ['KILL', 'NET_ADMIN', 'SYS_ADMIN'], { hostNetwork: true, hostPID: true }],
    ];
    for (const [drivers, caps, host] of cases) {
      const ds = daemonSetFor(drivers);
      expect(ds.added.sort(), drivers.join(',')).toEqual(caps);
      expect({ hostNetwork: ds.hostNetwork, hostPID: ds.hostPID }, drivers.join(',')).toEqual(host);
      // The ledger lives on the node exactly when faults act on the node.
      expect(ds.hostPath, drivers.join(',')).toBe(host.hostNetwork || host.hostPID);
    }
  });

  it("the repository's example policy: NET_ADMIN for its nft drivers, KILL and the node's pids for process.*", () => {
    const policy = parsePolicy(parse(readFileSync(REPO_POLICY, 'utf8')));
    const ds = daemonSetFor(policy.drivers);
    expect(ds.added.sort()).toEqual(['KILL', 'NET_ADMIN']);
    expect(ds.privileges.neededBy.get('NET_ADMIN')).toEqual(['nft.loss', 'nft.partition']);
    expect(ds.privileges.neededBy.get('KILL')).toEqual([
      'process.kill',
      'process.pause',
      'process.terminate',
    ]);
    expect([ds.hostNetwork, ds.hostPID]).toEqual([true, true]);
    // No SYS_ADMIN here, so the escalation guard stays on.
    expect(ds.pod.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
  });

  it('the Kubernetes example policy: the same two capabilities, nothing for its proxies and CPU stress', () => {
    const policy = parsePolicy(parse(readFileSync(K8S_POLICY, 'utf8')));
    const ds = daemonSetFor(policy.drivers);
    expect(ds.added.sort()).toEqual(['KILL', 'NET_ADMIN']);
    expect(ds.privileges.neededBy.get('NET_ADMIN')).toEqual(['nft.blackhole', 'nft.loss', 'nft.partition']);
    expect(ds.privileges.drivers).toContain('proxy.latency');
    expect(ds.privileges.drivers).toContain('stress.cpu');
    expect(ds.privileges.unmatched).toEqual([]);
  });

  it("a new driver's privilege comes from its own definition, with no list to update", () => {
    const probe = defineFaultDriver({
      name: 'ptrace.peek',
      summary: 'A test driver that reads other processes.',
      params: faultDrivers.get('stress.cpu')!.params,
      targets: ['pid'],
      inject: async () => ({ where: 'nowhere', removeCommand: 'true', revert: async () => {} }),
      privileges: { capabilities: ['SYS_PTRACE'], hostNamespaces: ['pid'] },
    }) as FaultDriver<unknown>;
    const known = [...faultDrivers.values(), probe];
    const ds = daemonSetFor(['ptrace.*', 'proxy.*'], known);
    expect(ds.added).toEqual(['SYS_PTRACE']);
    expect([ds.hostNetwork, ds.hostPID]).toEqual([false, true]);
    expect(daemonSetFor(['proxy.*'], known).added).toEqual([]);
  });

  it('a drivers entry that matches nothing is reported, not silently granted or ignored', () => {
    const privileges = policyPrivileges(
      parsePolicy({ drivers: ['nft.partiton', 'proxy.*'] }),
      faultDrivers.values(),
    );
    expect(privileges.unmatched).toEqual(['nft.partiton']);
    expect(privileges.capabilities).toEqual([]);
  });

  it('the namespace is only as permissive as the fault agent needs', () => {
    const level = (drivers: string[]) => podSecurityLevel(daemonSetFor(drivers).privileges);
    expect(level(['proxy.*', 'stress.*'])).toBe('restricted');
    expect(level(['process.restart'])).toBe('restricted');
    expect(level(['nft.*'])).toBe('privileged');
    expect(level(['process.*'])).toBe('privileged');
    // Root with a baseline capability and no node namespace.
    expect(podSecurityLevel({ capabilities: ['KILL'], hostNamespaces: [] })).toBe('baseline');
  });
});
