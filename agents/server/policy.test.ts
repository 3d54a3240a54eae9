/** The agent policy as pure rules: allow-lists, caps, protected addresses and the control channel. */
import { describe, expect, it } from 'vitest';
import { createPolicyGate, parsePolicy } from './policy.js';

const req = (over: Partial<Parameters<ReturnType<typeof createPolicyGate>['check']>[0]>) => ({
  kind: 'nft.partition',
  target: { host: 'self' },
  durationMs: 1000,
  reach: {},
  activeCount: 0,
  ...over,
});

const denial = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('agent policy', () => {
  it('allows driver families by prefix and refuses the rest', () => {
    const gate = createPolicyGate(parsePolicy({ drivers: ['nft.*', 'proxy.latency'] }));
    gate.check(req({ kind: 'nft.loss' }));
    gate.check(req({ kind: 'proxy.latency', target: { proxy: 'api' } }));
    const err = denial(() => gate.check(req({ kind: 'process.kill', target: { pid: 1 } })));
    expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(err.message).toContain('drivers: nft.*, proxy.latency');
  });

  it('allow-lists targets and can forbid bare pids', () => {
    const gate = createPolicyGate(
      parsePolicy({ targets: { processes: ['broker'], hosts: ['edge-1'], pids: false } }),
    );
    gate.check(req({ kind: 'process.kill', target: { process: 'broker' } }));
    expect(
      denial(() => gate.check(req({ kind: 'process.kill', target: { process: 'sshd' } }))).message,
    ).toContain("process 'sshd'");
    expect(denial(() => gate.check(req({ target: { host: 'cloud-1' } }))).message).toContain(
      "host 'cloud-1'",
    );
    expect(denial(() => gate.check(req({ kind: 'process.kill', target: { pid: 1 } }))).message).toContain(
      'targets.pids: false',
    );
  });

  it('caps duration and concurrency', () => {
    const gate = createPolicyGate(parsePolicy({ maxDuration: '30s', maxConcurrentFaults: 1 }));
    expect(denial(() => gate.check(req({ durationMs: 31_000 }))).message).toContain('maxDuration 30000ms');
    expect(denial(() => gate.check(req({ activeCount: 1 }))).message).toContain('maxConcurrentFaults is 1');
  });

  it('never cuts protected addresses, ranges that cover them, or protected ports', () => {
    const gate = createPolicyGate(
      parsePolicy({ protected: { addresses: ['10.0.0.1', '192.168.5.0/24'], ports: [22] } }),
    );
    expect(denial(() => gate.check(req({ reach: { addresses: ['10.0.0.1'] } }))).code).toBe(
      'SQUALL_AGENT_POLICY_DENIED',
    );
    expect(denial(() => gate.check(req({ reach: { addresses: ['10.0.0.0/8'] } }))).message).toContain(
      '10.0.0.1',
    );
    expect(denial(() => gate.check(req({ reach: { addresses: ['192.168.5.77'] } }))).message).toContain(
      '192.168.5.0/24',
    );
    expect(denial(() => gate.check(req({ reach: { ports: [22] } }))).message).toContain('port 22');
    gate.check(req({ reach: { addresses: ['10.0.0.2', '192.168.6.0/24'], ports: [80] } }));
    // The policy file's protections hold in other namespaces too.
    expect(
      denial(() => gate.check(req({ target: { host: 'edge-1' }, reach: { addresses: ['10.0.0.1'] } }))).code,
    ).toBe('SQUALL_AGENT_POLICY_DENIED');
  });

  it("protects the control channel in the agent's own namespace only", () => {
    const gate = createPolicyGate(parsePolicy({}), { ports: [7070] });
    gate.protect({ addresses: ['127.0.0.1'] });
    expect(denial(() => gate.check(req({ reach: { addresses: ['0.0.0.0/0'] } }))).message).toContain(
      'control channel',
    );
    expect(denial(() => gate.check(req({ reach: { ports: [7070] } }))).message).toContain('port 7070');
    // Inside another network namespace the agent's connections are not affected.
    gate.check(req({ target: { host: 'edge-1' }, reach: { addresses: ['0.0.0.0/0'], ports: [7070] } }));
  });

  it('checks controller certificate names and clamps lease ttls', () => {
    const gate = createPolicyGate(
      parsePolicy({ controllers: ['ci-controller'], lease: { minTtl: '1s', maxTtl: '10s' } }),
    );
    gate.checkController('ci-controller');
    expect(denial(() => gate.checkController('laptop')).message).toContain("'laptop'");
    expect(denial(() => gate.checkController(undefined)).code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(gate.ttlMs(100)).toBe(1000);
    expect(gate.ttlMs(60_000)).toBe(10_000);
  });

  it('rejects a malformed policy with SQUALL_USAGE', () => {
    expect(() => parsePolicy({ maxDuration: 'forever' })).toThrow(/invalid policy/);
    expect(() => createPolicyGate(parsePolicy({ protected: { addresses: ['not-an-ip'] } }))).toThrow(
      /not an IP/,
    );
  });
});
