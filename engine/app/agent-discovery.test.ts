/**
 * `agents.discover` against a real DNS server: Debian's dnsmasq on a free loopback port serves
 * the A records a headless Service would (one per agent), and real agents (gRPC, mTLS) listen on
 * those addresses (127.0.0.2, .3, .4: loopback, all on one port, as pods of a Service are). The
 * fleet is split over every agent found, a fault targets one discovered agent by its name, and
 * an agent whose certificate lacks the Service's DNS name is refused with the static case's
 * typed error. No records, a DNS server that refuses and one that never answers each fail the
 * run with their own code, positioned at agents.discover.dns. Needs /usr/sbin/dnsmasq.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCerts } from '../../agents/certs/cert-files.js';
import { createFaultProxy, type FaultProxy } from '../../agents/proxy/fault-proxy.js';
import { type AgentServer, createAgentServer, readTlsFiles } from '../../agents/server/agent-server.js';
import { type AedesBroker, startAedes } from '../../simulator/test-support/brokers.js';
import { type Dnsmasq, startDnsmasq } from '../controller/test-support/dnsmasq.js';
import { freePort } from '../core/ports.js';
import { createRunner } from '../run/runner.js';
import { createDefaultEnvironment } from './environment.js';
import { loadExperimentText } from './load.js';

const DNS = 'squall-agents.chaos.svc.cluster.local';
const ADDRESSES = ['127.0.0.2', '127.0.0.3'];
const IMPOSTER = '127.0.0.4';

let dir: string;
let certs: ReturnType<typeof initCerts>;
let port: number;
let broker: AedesBroker;
let proxy: FaultProxy;
const agents: AgentServer[] = [];
const servers: Dnsmasq[] = [];

/** An agent at `address:port` with the certificate `certName` was issued as. */
async function startAgent(address: string, certName: string, proxies = new Map<string, FaultProxy>()) {
  const agent = createAgentServer({ ledgerDir: join(dir, `ledger-${address}`), host: address, proxies });
  agents.push(agent);
  await agent.listen(`${address}:${port}`, {
    tls: readTlsFiles({ ca: certs.ca.cert, ...certs.agents[certName]! }),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'squall-discovery-'));
  // Every agent of the Service shares one certificate carrying its DNS name; edge-9 is another
  // agent of the same CA that does not carry it.
  certs = initCerts({
    dir: join(dir, 'certs'),
    agents: ['squall-agents', 'edge-9'],
    hosts: { 'squall-agents': [DNS] },
    keyBits: 2048,
  });
  broker = await startAedes();
  proxy = createFaultProxy({ name: 'api', listen: '127.0.0.1:0', upstream: `127.0.0.1:${broker.port}` });
  await proxy.start();
  port = await freePort(ADDRESSES[0]);
  await startAgent(ADDRESSES[0]!, 'squall-agents');
  await startAgent(ADDRESSES[1]!, 'squall-agents', new Map([['api', proxy]]));
  await startAgent(IMPOSTER, 'edge-9');
});
afterAll(async () => {
  for (const a of agents) await a.close();
  for (const s of servers) await s.stop();
  await proxy?.stop();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

const dnsmasq = async (records: Record<string, string[]>) => {
  const s = await startDnsmasq(records);
  servers.push(s);
  return s.server;
};

function experimentText(server: string, extra = '', dns = DNS, timeout = '2s'): string {
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: discovered }
agents:
  discover:
    dns: ${dns}
    port: ${port}
    server: "${server}"
    timeout: ${timeout}
    tls: { ca: certs/ca.pem, cert: certs/squall-controller.pem, key: certs/squall-controller.key }
fleet:
  devices: 20
  broker: "mqtt://127.0.0.1:${broker.port}"
  agents: discover
  telemetry: { every: 200ms, qos: 1, topic: "t/{tenant}/{index}" }
  sink: { grace: 300ms }
phases: { preflight: 500ms, baseline: 500ms, recovery: 500ms }
${extra}`;
}

async function run(text: string, name: string) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  const loaded = loadExperimentText(text, file, {});
  return createRunner({
    experiment: loaded.experiment,
    source: loaded.source,
    file,
    outDir: join(dir, name),
    environment: createDefaultEnvironment(),
    sliceMs: 250,
  }).run();
}

const journal = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('agents.discover against dnsmasq', () => {
  it('splits the fleet over every agent the DNS name has, and a fault targets one by name', async () => {
    const server = await dnsmasq({ [DNS]: ADDRESSES });
    const result = await run(
      experimentText(
        server,
        `faults:
  - { name: api-down, kind: proxy.down, duration: 300ms, target: { agent: "squall-agents/127.0.0.3", proxy: api } }
`,
      ),
      'split',
    );
    expect(result.error?.message).toBeUndefined();
    expect(result.exitCode).toBe(0);
    const events = journal(result.journalPath);
    const logs = events.filter((e) => e.type === 'log').map((e) => e.message as string);
    expect(logs).toContain(
      `agents.discover: ${DNS} has 2 agent(s): squall-agents/127.0.0.2 (127.0.0.2:${port}), squall-agents/127.0.0.3 (127.0.0.3:${port})`,
    );
    expect(logs).toContain(
      'fleet: 10 devices + 10 devices on agents squall-agents/127.0.0.2, squall-agents/127.0.0.3',
    );
    const injected = events.find((e) => e.type === 'fault.injected');
    expect(injected).toMatchObject({ agent: 'squall-agents/127.0.0.3', kind: 'proxy.down' });
    expect(proxy.enabled).toBe(true);
    const connected = events
      .filter((e) => e.type === 'metrics')
      .map((e) => (e.gauges as Record<string, number>)['fleet.connected'] ?? 0);
    expect(Math.max(...connected)).toBe(20);
  });

  it("refuses a discovered agent whose certificate lacks the Service's DNS name", async () => {
    const server = await dnsmasq({ [DNS]: [...ADDRESSES, IMPOSTER] });
    const result = await run(experimentText(server), 'imposter');
    expect(result.exitCode).toBe(4);
    expect(result.error?.code).toBe('SQUALL_AGENT_AUTH_FAILED');
    expect(result.error?.message).toContain(
      `agent 'squall-agents/${IMPOSTER}' at ${IMPOSTER}:${port} (found through agents.discover): the agent there presented a certificate for 'edge-9', not for '${DNS}'`,
    );
    expect(readFileSync(result.journalPath, 'utf8')).not.toContain('fleet: ');
  });

  it('no A records: SQUALL_AGENT_DISCOVERY_EMPTY, positioned at agents.discover.dns', async () => {
    const server = await dnsmasq({ [DNS]: ADDRESSES });
    const name = 'nobody.chaos.svc.cluster.local';
    const result = await run(experimentText(server, '', name), 'empty');
    expect(result.exitCode).toBe(4);
    expect(result.error?.code).toBe('SQUALL_AGENT_DISCOVERY_EMPTY');
    expect(result.error?.message).toBe(
      `${join(dir, 'empty.yaml')}:6:10 agents.discover.dns: agents.discover: ${name} has no A records at ${server} (ENOTFOUND): no ready agent behind it; check the Service's endpoints (kubectl get endpoints) and the name`,
    );
  });

  it('a DNS server that is not there: SQUALL_AGENT_DISCOVERY_FAILED (refused)', async () => {
    const server = `127.0.0.1:${await freePort()}`;
    const result = await run(experimentText(server), 'refused');
    expect(result.error?.code).toBe('SQUALL_AGENT_DISCOVERY_FAILED');
    expect(result.error?.message).toContain(
      `agents.discover.dns: agents.discover: could not resolve ${DNS} at ${server}: connection refused`,
    );
  });

  it('a DNS server that never answers: SQUALL_AGENT_DISCOVERY_FAILED after the timeout', async () => {
    const silent: Socket = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    try {
      const server = `127.0.0.1:${silent.address().port}`;
      const startedMs = Date.now();
      const result = await run(experimentText(server, '', DNS, '400ms'), 'silent');
      expect(result.error?.code).toBe('SQUALL_AGENT_DISCOVERY_FAILED');
      expect(result.error?.message).toContain(
        `could not resolve ${DNS} at ${server}: no answer within 400 ms`,
      );
      expect(Date.now() - startedMs).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('validation: fleet.agents discover needs a discover block; a discovered name must carry its label', () => {
    const text = experimentText(
      '127.0.0.1:53',
      `faults:
  - { name: x, kind: proxy.down, duration: 1s, target: { agent: "other/10.0.0.5", proxy: api } }
`,
    );
    expect(() => loadExperimentText(text, 'x.yaml', {})).toThrow(
      "x.yaml:19:65 faults[0].target.agent: 'other/10.0.0.5' names a discovered agent, but agents.discover finds agents named squall-agents/<address>",
    );
    const bare = text.replace(/agents:\n {2}discover:[\s\S]*?key: certs\/squall-controller.key \}\n/, '');
    expect(() => loadExperimentText(bare, 'y.yaml', {})).toThrow(
      /fleet\.agents: 'discover' splits the fleet over the agents agents\.discover finds, but agents has no discover block/,
    );
  });
});
