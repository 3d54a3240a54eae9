/**
 * Real agents over mTLS on loopback (port 0): Hello, a fault injected and reverted through the
 * session, and the refusals — no client certificate, a certificate from another CA, out of
 * policy — each with its stable code.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AgentConnection, connectAgent } from '../../engine/controller/agent-connection.js';
import { createFaultProxy, type FaultProxy } from '../proxy/fault-proxy.js';
import { makeTestPki, type TestPki } from '../test-support/pki.js';
import { rejection } from '../test-support/rejection.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './agent-server.js';
import { parsePolicy } from './policy.js';

describe('gRPC agent over mTLS', () => {
  let pki: TestPki;
  let dir: string;
  let agent: AgentServer;
  let address: string;
  let proxy: FaultProxy;
  const connections: AgentConnection[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    pki = makeTestPki(['edge-1']);
    dir = mkdtempSync(join(tmpdir(), 'squall-agent-'));
    proxy = createFaultProxy({ name: 'api', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    await proxy.start();
    agent = createAgentServer({
      ledgerDir: join(dir, 'ledger'),
      proxies: new Map([['api', proxy]]),
      policy: parsePolicy({
        drivers: ['proxy.*', 'process.pause'],
        maxDuration: '1m',
        maxConcurrentFaults: 2,
      }),
      log: (m) => logs.push(m),
    });
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
    });
    address = `127.0.0.1:${port}`;
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
  });
  afterAll(async () => {
    await agent.close();
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const connect = async (tls = { ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key }) => {
    const c = await connectAgent('edge-1', { address, tls }, { ttlMs: 2000 });
    connections.push(c);
    return c;
  };

  it('says hello with version, drivers and a clock offset near zero on one host', async () => {
    const c = await connect();
    expect(c.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(c.info.drivers.map((d) => d.name)).toContain('proxy.latency');
    expect(c.info.limits?.max_concurrent_faults).toBe(2);
    expect(Math.abs(c.clockOffsetMs())).toBeLessThan(c.rttMs() / 2 + 5);
  });

  it('injects a fault through the session, writes it to the ledger, and reverts it', async () => {
    const c = await connect();
    const fault = await c.inject({
      faultId: 'lat-1',
      kind: 'proxy.latency',
      target: { agent: 'edge-1', proxy: 'api' },
      params: { latency: '50ms' },
      durationMs: 5000,
    });
    expect(fault.where).toContain("proxy 'api'");
    expect(typeof fault.clockOffsetMs).toBe('number');
    expect(proxy.toxics().map((t) => t.type)).toEqual(['latency']);
    expect(readdirSync(join(dir, 'ledger'))).toEqual(['lat-1.json']);
    await fault.revert();
    expect(proxy.toxics()).toEqual([]);
    expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
    await fault.revert(); // idempotent
  });

  it('refuses a client with no certificate (SQUALL_AGENT_AUTH_FAILED)', async () => {
    // createSsl with a CA but no key pair: the agent asks for a client certificate and gets none.
    const { credentials } = await import('@grpc/grpc-js');
    const { agentService } = await import('../proto/load.js');
    const { helloAgent } = await import('../../engine/controller/agent-connection.js');
    const { readFileSync } = await import('node:fs');
    const Agent = agentService();
    const client = new Agent(address, credentials.createSsl(readFileSync(pki.ca)));
    const err = await rejection(helloAgent(client, 'edge-1', 3000));
    client.close();
    expect(err.code).toBe('SQUALL_AGENT_AUTH_FAILED');
  });

  it('refuses a client certificate from another CA (SQUALL_AGENT_AUTH_FAILED)', async () => {
    const err = await rejection(connect({ ca: pki.ca, cert: pki.foreign.cert, key: pki.foreign.key }));
    expect(err.code).toBe('SQUALL_AGENT_AUTH_FAILED');
    // The agent logs the refusal with the peer and the reason.
    expect(
      logs.some((l) => /^refused TLS connection from 127\.0\.0\.1:\d+: SQUALL_AGENT_AUTH_FAILED/.test(l)),
    ).toBe(true);
  });

  it('a controller that does not trust the agent CA fails with SQUALL_AGENT_AUTH_FAILED', async () => {
    const err = await rejection(
      connect({ ca: pki.foreign.ca, cert: pki.controller.cert, key: pki.controller.key }),
    );
    expect(err.code).toBe('SQUALL_AGENT_AUTH_FAILED');
  });

  it('refuses out-of-policy requests with SQUALL_AGENT_POLICY_DENIED and logs them', async () => {
    const c = await connect();
    const denied = await rejection(
      c.inject({ faultId: 'k1', kind: 'process.kill', target: { pid: 1 }, params: {}, durationMs: 0 }),
    );
    expect(denied.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(denied.message).toContain("driver 'process.kill' is not allowed");
    const tooLong = await rejection(
      c.inject({
        faultId: 'l2',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '1ms' },
        durationMs: 120_000,
      }),
    );
    expect(tooLong.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(tooLong.message).toContain('maxDuration');
    const a = await c.inject({
      faultId: 'c1',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '1ms' },
      durationMs: 1000,
    });
    const b = await c.inject({
      faultId: 'c2',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '1ms' },
      durationMs: 1000,
    });
    const third = await rejection(
      c.inject({
        faultId: 'c3',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '1ms' },
        durationMs: 1000,
      }),
    );
    expect(third.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(third.message).toContain('maxConcurrentFaults is 2');
    await a.revert();
    await b.revert();
    expect(logs.some((l) => l.includes('refused k1: SQUALL_AGENT_POLICY_DENIED'))).toBe(true);
  });

  it("refuses a controller whose certificate name is not in the policy's controllers", async () => {
    const strict = createAgentServer({
      ledgerDir: join(dir, 'ledger-strict'),
      policy: parsePolicy({ controllers: ['ci-controller'] }),
      log: (m) => logs.push(m),
    });
    try {
      const { port } = await strict.listen('127.0.0.1:0', {
        tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
      });
      const err = await rejection(
        connectAgent('edge-1', {
          address: `127.0.0.1:${port}`,
          tls: { ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key },
        }),
      );
      expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
      expect(err.message).toContain("'squall-controller' is not in the agent's policy");
      // Hello is refused already (before any session), and logged.
      expect(logs.some((l) => l.startsWith('hello refused'))).toBe(true);
    } finally {
      await strict.close();
    }
  });

  it('counts faults still being applied against maxConcurrentFaults', async () => {
    const c = await connect();
    const attempts = ['r1', 'r2', 'r3'].map((faultId) =>
      c.inject({
        faultId,
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '1ms' },
        durationMs: 1000,
      }),
    );
    const settled = await Promise.allSettled(attempts);
    const refused = settled.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    for (const r of settled) if (r.status === 'fulfilled') await r.value.revert();
    expect(proxy.toxics()).toEqual([]);
  });

  it('validates params and fault ids on the agent (SQUALL_SPEC_INVALID, SQUALL_TARGET_NOT_FOUND)', async () => {
    const c = await connect();
    const bad = await rejection(
      c.inject({
        faultId: 'p1',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: 'soon' },
        durationMs: 1000,
      }),
    );
    expect(bad.code).toBe('SQUALL_SPEC_INVALID');
    const badId = await rejection(
      c.inject({
        faultId: '../etc',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '1ms' },
        durationMs: 1000,
      }),
    );
    expect(badId.code).toBe('SQUALL_SPEC_INVALID');
    const missing = await rejection(
      c.inject({
        faultId: 'p3',
        kind: 'proxy.latency',
        target: { proxy: 'apx' },
        params: { latency: '1ms' },
        durationMs: 1000,
      }),
    );
    expect(missing.code).toBe('SQUALL_TARGET_NOT_FOUND');
    expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
  });

  it('enforces a fault hard deadline on its own', async () => {
    const c = await connect();
    await c.inject({
      faultId: 'dl-1',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '5ms' },
      durationMs: 100,
      hardDeadlineMs: 300,
    });
    expect(proxy.toxics()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(proxy.toxics()).toEqual([]);
    expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
  });

  it('a silent controller loses its lease: faults reverted, the session ends with SQUALL_LEASE_EXPIRED', async () => {
    const events: string[] = [];
    // Heartbeats far apart: the 600 ms lease runs out between two of them.
    const c = await connectAgent(
      'edge-1',
      { address, tls: { ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key } },
      { ttlMs: 600, heartbeatMs: 60_000, onFaultEvent: (e) => events.push(`${e.faultId} ${e.what}`) },
    );
    connections.push(c);
    const fault = await c.inject({
      faultId: 'lease-1',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '5ms' },
      durationMs: 10_000,
    });
    expect(proxy.toxics()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(proxy.toxics()).toEqual([]);
    expect(events).toEqual(['lease-1 lease_reverted']);
    await fault.revert(); // the agent already did: nothing left, no error
    const late = await rejection(
      c.inject({
        faultId: 'lease-2',
        kind: 'proxy.latency',
        target: { proxy: 'api' },
        params: { latency: '5ms' },
        durationMs: 1000,
      }),
    );
    expect(late.code).toBe('SQUALL_LEASE_EXPIRED');
  });

  it('reverts the session faults when the controller closes the session', async () => {
    const c = await connect();
    await c.inject({
      faultId: 'end-1',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '5ms' },
      durationMs: 10_000,
    });
    expect(proxy.toxics()).toHaveLength(1);
    await connections.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(proxy.toxics()).toEqual([]);
  });
});

describe('agent listen security', () => {
  it('refuses plain text on a non-loopback address (SQUALL_AGENT_INSECURE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-agent-'));
    const agent = createAgentServer({ ledgerDir: join(dir, 'ledger') });
    try {
      const err = await rejection(agent.listen('0.0.0.0:0', { insecure: true }));
      expect(err.code).toBe('SQUALL_AGENT_INSECURE');
    } finally {
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves plain text on a unix socket when asked, and the controller must ask too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-agent-'));
    const agent = createAgentServer({ ledgerDir: join(dir, 'ledger') });
    try {
      const socket = `unix:${join(dir, 'agent.sock')}`; // mkdtemp: mode 0700, ours
      await agent.listen(socket, { insecure: true });
      const c = await connectAgent('lo', { address: socket, insecure: true });
      expect(c.info.drivers.length).toBeGreaterThan(0);
      await c.close();
      const noTls = await rejection(connectAgent('lo', { address: socket }));
      expect(noTls.code).toBe('SQUALL_AGENT_INSECURE');
      const remote = await rejection(connectAgent('far', { address: '10.1.2.3:7070', insecure: true }));
      expect(remote.code).toBe('SQUALL_AGENT_INSECURE');
    } finally {
      await agent.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
