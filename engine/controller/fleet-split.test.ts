/**
 * Fleet shards on agents: a 30-device fleet split across two real agents (mTLS, loopback),
 * each running its slice against a real aedes; metrics stream back over the sessions and merge
 * into one fleet source. A shard stops with its session; the policy can refuse shards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentServer, createAgentServer, readTlsFiles } from '../../agents/server/agent-server.js';
import { parsePolicy } from '../../agents/server/policy.js';
import { makeTestPki, type TestPki } from '../../agents/test-support/pki.js';
import type { FleetConfig } from '../../simulator/fleet-config.js';
import { type AedesBroker, startAedes } from '../../simulator/test-support/brokers.js';
import { type AgentConnection, connectAgent } from './agent-connection.js';
import { createDistributedFleet, splitFleet } from './fleet-split.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fleetConfig(broker: AedesBroker, devices: number): FleetConfig {
  return {
    engine: {
      broker: { host: broker.host, port: broker.port },
      connectRatePerS: 5000,
      tenants: [{ name: 'acme', share: 1 }],
      groups: [{ count: devices, telemetry: { intervalMs: 200, qos: 1, topic: 't/{tenant}/{index}' } }],
    },
    sink: { topic: 't/#', connections: 1, qos: 1, graceMs: 300, protocolVersion: 4 },
    shards: 0,
  };
}

describe('splitFleet', () => {
  it('cuts contiguous index ranges across groups; the first slice keeps the sink', () => {
    const config: FleetConfig = {
      engine: {
        broker: { host: 'h', port: 1 },
        groups: [
          { count: 5, clientId: 'a-{index}' },
          { count: 6, clientId: 'b-{index}' },
        ],
      },
      sink: { topic: 't/#', connections: 1, qos: 1, graceMs: 0, protocolVersion: 4 },
      shards: 0,
    };
    const slices = splitFleet(config, 3);
    expect(slices.map((s) => s.engine.firstIndex)).toEqual([0, 4, 8]);
    expect(slices.map((s) => s.engine.groups.map((g) => [g.clientId, g.count]))).toEqual([
      [['a-{index}', 4]],
      [
        ['a-{index}', 1],
        ['b-{index}', 3],
      ],
      [['b-{index}', 3]],
    ]);
    expect(slices.map((s) => s.sink !== false)).toEqual([true, false, false]);
  });
});

describe('fleet shards on agents', () => {
  let pki: TestPki;
  let dir: string;
  let broker: AedesBroker;
  const agents: AgentServer[] = [];
  const connections: AgentConnection[] = [];

  beforeEach(async () => {
    pki = makeTestPki(['edge-1', 'edge-2']);
    dir = mkdtempSync(join(tmpdir(), 'squall-shards-'));
    broker = await startAedes();
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close().catch(() => {});
    for (const a of agents.splice(0)) await a.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const startAgent = async (name: string, policy = parsePolicy({})) => {
    const agent = createAgentServer({ ledgerDir: join(dir, name), policy, host: name });
    agents.push(agent);
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki.ca, ...pki.agents[name]! }),
    });
    const c = await connectAgent(name, {
      address: `127.0.0.1:${port}`,
      tls: { ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key },
    });
    connections.push(c);
    return c;
  };

  it('runs a fleet split over two agents and merges their metrics', async () => {
    const edges = [await startAgent('edge-1'), await startAgent('edge-2')];
    const fleet = await createDistributedFleet(fleetConfig(broker, 30), edges, { runId: 'r1' });
    expect(fleet.shards.map((s) => s.devices)).toEqual([15, 15]);
    await sleep(2300);
    // Message counts settle in the controller's delivery ledger, dated by send time.
    await fleet.settle(Date.now());
    const reading = fleet.collect();
    expect(reading.gauges).toMatchObject({ connected: 30, target: 30 });
    expect(reading.counters!.connect_ok).toBe(30);
    expect(reading.counters!.published).toBeGreaterThan(30);
    // The sink rides with the first slice and sees every device's messages, wherever it runs.
    const dated = (key: string) => (reading.dated ?? []).reduce((a, d) => a + (d.counters[key] ?? 0), 0);
    expect(dated('delivered')).toBeGreaterThan(0);
    expect(dated('lost')).toBe(0);
    expect(dated('expected')).toBe(dated('delivered'));
    expect(reading.histograms!.e2e_latency!.totalCount).toBeGreaterThan(0);
    await fleet.stop();
    expect(fleet.shards[0]!.finalSnapshot()).toMatchObject({ target: 15 });
  });

  it('a shard stops with its session', async () => {
    const edge = await startAgent('edge-1');
    await edge.startShard('s1', fleetConfig(broker, 5));
    await sleep(300);
    expect(broker.sockets.size).toBeGreaterThanOrEqual(5);
    await connections.pop()!.close();
    await sleep(500);
    expect(broker.sockets.size).toBe(0);
  });

  it("the agent's policy can refuse shards (SQUALL_AGENT_POLICY_DENIED)", async () => {
    const edge = await startAgent('edge-1', parsePolicy({ drivers: ['nft.*'] }));
    await expect(edge.startShard('s1', fleetConfig(broker, 5))).rejects.toMatchObject({
      code: 'SQUALL_AGENT_POLICY_DENIED',
    });
    const small = await startAgent('edge-2', parsePolicy({ maxShardDevices: 3 }));
    await expect(small.startShard('s2', fleetConfig(broker, 5))).rejects.toThrow(/maxShardDevices 3/);
  });
});
