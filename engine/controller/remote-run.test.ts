/**
 * The runner with a remote agent: the default environment connects every agent under
 * `agents:` over mTLS, faults aimed at it go through the session, the journal's
 * `fault.injected` carries the agent's clock offset, and an unreachable agent fails the run
 * before anything is injected (exit 4).
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createFaultProxy, type FaultProxy } from '../../agents/proxy/fault-proxy.js';
import { type AgentServer, createAgentServer, readTlsFiles } from '../../agents/server/agent-server.js';
import { makeTestPki, type TestPki } from '../../agents/test-support/pki.js';
import { createDefaultEnvironment } from '../app/environment.js';
import { freePort } from '../core/ports.js';
import { createRunner } from '../run/runner.js';
import { type Harness, startHarness } from '../run/test-support/harness.js';
import { Experiment } from '../spec/schema.js';

describe('runner with a remote gRPC agent', () => {
  let h: Harness;
  let pki: TestPki;
  let agent: AgentServer;
  let edgeProxy: FaultProxy;
  let address: string;

  beforeAll(async () => {
    h = await startHarness();
    pki = makeTestPki(['edge-1']);
    edgeProxy = createFaultProxy({
      name: 'edge-proxy',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${h.servicePort}`,
    });
    await edgeProxy.start();
    agent = createAgentServer({
      ledgerDir: join(h.outDir, 'ledger'),
      proxies: new Map([['edge-proxy', edgeProxy]]),
    });
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
    });
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await agent.close();
    await edgeProxy.stop();
    await h.close();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  const experiment = (agentAddress: string) =>
    Experiment.parse(
      parseYaml(`apiVersion: squall/v1
kind: Experiment
metadata: { name: remote-agent }
agents:
  edge-1: { address: "${agentAddress}", tls: { ca: "${basename(pki.ca)}", cert: "${basename(pki.controller.cert)}", key: "${basename(pki.controller.key)}" } }
probes:
  - { name: svc, kind: http, every: 100ms, timeout: 500ms, params: { url: "http://${edgeProxy.listen}/" } }
phases: { preflight: 300ms, baseline: 300ms, recovery: 500ms }
faults:
  - { name: edge-down, kind: proxy.down, at: +0s, duration: 500ms, target: { agent: edge-1, proxy: edge-proxy } }
slos: []
guards: []
`),
    );

  it('injects through the agent and journals the clock offset', async () => {
    const runner = createRunner({
      experiment: experiment(address),
      // TLS paths in the file are relative to it.
      file: join(dirname(pki.ca), 'remote.yaml'),
      outDir: join(h.outDir, 'run-1'),
      environment: createDefaultEnvironment(),
      sliceMs: 250,
      revertPolicy: { attempts: 2, backoffMs: 20 },
    });
    const result = await runner.run();
    const events = readFileSync(result.journalPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const injected = events.find((e) => e.type === 'fault.injected');
    expect(injected).toMatchObject({ agent: 'edge-1', kind: 'proxy.down' });
    expect(injected!.where).toContain('agent edge-1');
    expect(typeof injected!.clockOffsetMs).toBe('number');
    expect(Math.abs(injected!.clockOffsetMs as number)).toBeLessThan(50);
    expect(events.some((e) => e.type === 'fault.reverted')).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(edgeProxy.enabled).toBe(true);
    expect(agent.activeFaults()).toBe(0);
  });

  it('an unreachable agent fails the run with SQUALL_AGENT_UNREACHABLE before injecting', async () => {
    const port = await freePort();
    const runner = createRunner({
      experiment: experiment(`127.0.0.1:${port}`),
      file: join(dirname(pki.ca), 'remote.yaml'),
      outDir: join(h.outDir, 'run-2'),
      environment: createDefaultEnvironment(),
      sliceMs: 250,
    });
    const result = await runner.run();
    expect(result.exitCode).toBe(4);
    expect(result.error?.code).toBe('SQUALL_AGENT_UNREACHABLE');
    expect(readFileSync(result.journalPath, 'utf8')).not.toContain('fault.injected');
  });
});

describe('runner with the fleet split across remote agents', () => {
  it('runs each slice of the devices on its agent and scores the merged metrics', async () => {
    const { startAedes } = await import('../../simulator/test-support/brokers.js');
    const pki = makeTestPki(['edge-1', 'edge-2']);
    const h = await startHarness();
    const broker = await startAedes();
    const agents = [0, 1].map((i) => createAgentServer({ ledgerDir: join(h.outDir, `ledger-${i}`) }));
    try {
      const addresses: string[] = [];
      for (const [i, a] of agents.entries()) {
        const { port } = await a.listen('127.0.0.1:0', {
          tls: readTlsFiles({ ca: pki.ca, ...pki.agents[`edge-${i + 1}`]! }),
        });
        addresses.push(`127.0.0.1:${port}`);
      }
      const tls = `{ ca: "${basename(pki.ca)}", cert: "${basename(pki.controller.cert)}", key: "${basename(pki.controller.key)}" }`;
      const experiment = Experiment.parse(
        parseYaml(`apiVersion: squall/v1
kind: Experiment
metadata: { name: split-fleet }
agents:
  edge-1: { address: "${addresses[0]}", tls: ${tls} }
  edge-2: { address: "${addresses[1]}", tls: ${tls} }
fleet:
  devices: 40
  broker: "mqtt://127.0.0.1:${broker.port}"
  agents: [edge-1, edge-2]
  telemetry: { every: 200ms, qos: 1, topic: "t/{tenant}/{index}" }
  sink: { grace: 300ms }
phases: { preflight: 1s, baseline: 1s, recovery: 1s }
slos:
  - { name: delivery, sli: delivery_ratio, objective: ">= 99%" }
  - { name: nothing-lost, sli: messages_lost, objective: "== 0" }
`),
      );
      const result = await createRunner({
        experiment,
        file: join(dirname(pki.ca), 'split.yaml'),
        outDir: join(h.outDir, 'split'),
        environment: createDefaultEnvironment(),
        sliceMs: 250,
      }).run();
      expect(result.error?.message).toBeUndefined();
      expect(result.exitCode).toBe(0);
      const delivery = result.verdict!.slos.find((s) => s.name === 'delivery')!;
      // 40 devices × 5 msg/s over ~2 s of baseline+recovery: hundreds of messages, none lost.
      expect(delivery.windows.find((w) => w.window === 'run')!.total).toBeGreaterThan(200);
      const connected = readFileSync(result.journalPath, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"metrics"'))
        .map((l) => JSON.parse(l).gauges['fleet.connected'] as number | undefined);
      expect(Math.max(...connected.filter((c): c is number => c !== undefined))).toBe(40);
    } finally {
      for (const a of agents) await a.close();
      await broker.close();
      await h.close();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
