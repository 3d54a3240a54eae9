/**
 * Issue 12, finding 7 (session-side policy gaps), on a real agent over mTLS on loopback with a
 * real fault proxy and real fleet shards against a real aedes:
 * - a session reverts only its own faults and stops only its own shards;
 * - `fleet_json` is validated on the agent (types and bounds, the field named), whatever the
 *   controller sent;
 * - shards and devices per agent are capped by the policy (`fleet.maxShards`, `fleet.maxDevices`,
 *   `fleet.maxWorkers`), over every session.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newAgentClient } from '../engine/controller/agent-client.js';
import { type AgentConnection, connectAgent } from '../engine/controller/agent-connection.js';
import type { SquallError } from '../engine/core/errors.js';
import type { FleetConfig } from '../simulator/fleet-config.js';
import { type AedesBroker, startAedes } from '../simulator/test-support/brokers.js';
import type { AgentEvent__Output } from './proto/generated/squall/agent/v1/AgentEvent.js';
import type { ControlMessage } from './proto/generated/squall/agent/v1/ControlMessage.js';
import { createFaultProxy, type FaultProxy } from './proxy/fault-proxy.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './server/agent-server.js';
import { type Policy, parsePolicy } from './server/policy.js';
import { makeTestPki, type TestPki } from './test-support/pki.js';

/** A bare session on its own stream, to send what our controller never would. */
async function rawSession(address: string, tls: { ca: string; cert: string; key: string }) {
  const client = newAgentClient('edge-1', { address, tls }, process.cwd());
  const call = client.Session();
  const events: AgentEvent__Output[] = [];
  const waiters: (() => void)[] = [];
  call.on('data', (e) => {
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  call.on('error', () => {});
  const next = async (msg: string, requestId: string) => {
    for (;;) {
      const hit = events.find((e) => {
        const body = e.msg ? e[e.msg] : undefined;
        const kind = msg === '*' || e.msg === msg || e.msg === 'error';
        return kind && (msg === 'opened' || (body && 'request_id' in body && body.request_id === requestId));
      });
      if (hit) return hit;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  call.write({ open: { controller: 'raw', ttl_ms: 5000 } });
  await next('opened', '');
  return {
    async request(message: ControlMessage, msg: string, requestId: string) {
      call.write(message);
      return next(msg, requestId);
    },
    close() {
      call.end();
      call.cancel();
      client.close();
    },
  };
}

const errorOf = (e: AgentEvent__Output) => e.error!;

function fleet(broker: AedesBroker, devices: number, extra: Partial<FleetConfig> = {}): FleetConfig {
  return {
    engine: {
      broker: { host: broker.host, port: broker.port },
      connectRatePerS: 5000,
      groups: [{ count: devices, telemetry: { intervalMs: 500, qos: 0, topic: 't/{index}' } }],
    },
    sink: false,
    shards: 0,
    ...extra,
  };
}

describe('finding 7: what one session may do to another, and what a session may ask of the agent', () => {
  let pki: TestPki;
  let dir: string;
  let broker: AedesBroker;
  let proxy: FaultProxy;
  const servers: AgentServer[] = [];
  const connections: AgentConnection[] = [];
  const controllerTls = () => ({ ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key });

  const startAgent = async (policy: Policy = parsePolicy({})) => {
    const server = createAgentServer({
      ledgerDir: join(dir, `ledger-${servers.length}`),
      proxies: new Map([['api', proxy]]),
      policy,
    });
    servers.push(server);
    const { port } = await server.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
    });
    return `127.0.0.1:${port}`;
  };
  /** Sends one request from a second session; returns the agent's error (it must refuse). */
  const fromAnotherSession = async (address: string, message: ControlMessage) => {
    const body = Object.values(message)[0] as { request_id: string };
    const other = await rawSession(address, controllerTls());
    try {
      const reply = await other.request(message, '*', body.request_id); // whatever the answer
      expect(reply.msg).toBe('error');
      return errorOf(reply);
    } finally {
      other.close();
    }
  };
  const connect = async (address: string) => {
    const c = await connectAgent('edge-1', { address, tls: controllerTls() }, { ttlMs: 5000 });
    connections.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = makeTestPki(['edge-1']);
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-session-'));
    broker = await startAedes();
    proxy = createFaultProxy({ name: 'api', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await proxy.start();
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close().catch(() => {});
    for (const s of servers.splice(0)) await s.close();
  });
  afterAll(async () => {
    await proxy.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('a session reverts only its own faults', async () => {
    const address = await startAgent();
    const owner = await connect(address);
    const fault = await owner.inject({
      faultId: 'mine-1',
      kind: 'proxy.latency',
      target: { proxy: 'api' },
      params: { latency: '20ms' },
      durationMs: 10_000,
    });
    const refusal = await fromAnotherSession(address, { revert: { request_id: 'r1', fault_id: 'mine-1' } });
    expect(refusal.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(refusal.message).toContain("fault 'mine-1' belongs to another session");
    expect(proxy.toxics().map((t) => t.type)).toEqual(['latency']); // still there
    await fault.revert();
    expect(proxy.toxics()).toEqual([]);
  });

  it('a session stops only its own shards', async () => {
    const address = await startAgent();
    const owner = await connect(address);
    const shard = await owner.startShard('shard-a', fleet(broker, 1));
    const refusal = await fromAnotherSession(address, {
      stop_shard: { request_id: 's1', shard_id: 'shard-a' },
    });
    expect(refusal.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(refusal.message).toContain("shard 'shard-a' belongs to another session");
    await shard.stop(); // its own session may
  });

  it('validates fleet_json on the agent: types and bounds, naming the field', async () => {
    const c = await connect(await startAgent());
    const bad: [string, FleetConfig, string][] = [
      ['negative worker count', fleet(broker, 1, { shards: -1 }), 'fleet_json shards'],
      [
        'negative first index',
        { ...fleet(broker, 1), engine: { ...fleet(broker, 1).engine, firstIndex: -5 } },
        'fleet_json engine.firstIndex',
      ],
      [
        'a count as text',
        {
          ...fleet(broker, 1),
          engine: { ...fleet(broker, 1).engine, groups: [{ count: '3' as unknown as number }] },
        },
        'fleet_json engine.groups.0.count',
      ],
      [
        'a 2 GiB payload',
        {
          ...fleet(broker, 1),
          engine: {
            ...fleet(broker, 1).engine,
            groups: [{ count: 1, telemetry: { payloadBytes: 2 ** 31 } }],
          },
        },
        'fleet_json engine.groups.0.telemetry.payloadBytes',
      ],
      [
        '100,000 sink connections',
        {
          ...fleet(broker, 1),
          sink: { topic: 't/#', connections: 100_000, qos: 0, graceMs: 0, protocolVersion: 4 },
        },
        'fleet_json sink',
      ],
    ];
    for (const [what, config, field] of bad) {
      const err = await c.startShard(`bad-${what}`, config).then(
        () => undefined,
        (e: SquallError) => e,
      );
      expect(err, what).toBeDefined();
      expect(err!.code, what).toBe('SQUALL_FLEET_CONFIG_INVALID');
      expect(err!.message, what).toContain(field);
    }
    expect(broker.sockets.size).toBe(0); // nothing connected
  });

  it('caps hosted shards at 4 by default, over every session', async () => {
    const address = await startAgent();
    const a = await connect(address);
    const b = await connect(address);
    for (const [i, c] of [a, a, b, b].entries()) await c.startShard(`s${i}`, fleet(broker, 1));
    await expect(b.startShard('s4', fleet(broker, 1))).rejects.toThrow(/fleet\.maxShards is 4/);
  });

  it('caps devices over every shard and worker processes per shard, as the policy says', async () => {
    const address = await startAgent(parsePolicy({ fleet: { maxShards: 3, maxDevices: 5, maxWorkers: 1 } }));
    const a = await connect(address);
    await a.startShard('d1', fleet(broker, 3));
    await expect(a.startShard('d2', fleet(broker, 3))).rejects.toThrow(
      /3 more devices \(3 hosted already\) exceed the agent's fleet\.maxDevices 5/,
    );
    await expect(a.startShard('w1', fleet(broker, 2, { shards: 2 }))).rejects.toThrow(/fleet\.maxWorkers 1/);
    await a.startShard('d3', fleet(broker, 2));
  });
});
