/**
 * Stress caps against a remote agent: a real agent over mTLS reports its cores, memory and the
 * filesystems asked about in Hello, and a run whose stress faults ask that agent for more than
 * it has stops with exit 2 and positioned issues before anything is started or injected.
 * (At validate time the same drivers check faults on the local agent against this machine:
 * fixtures/hostile/stress-*.yaml.) The agent runs in this process, so "its" host is this one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentServer, createAgentServer, readTlsFiles } from '../../agents/server/agent-server.js';
import { makeTestPki, type TestPki } from '../../agents/test-support/pki.js';
import { helloAgent, newAgentClient } from '../controller/agent-client.js';
import { createRunner } from '../run/runner.js';
import { createDefaultEnvironment } from './environment.js';
import { loadExperimentText } from './load.js';
import { capacityOf } from './remote-capacity.js';

describe('stress caps against what a remote agent reports in Hello', () => {
  let pki: TestPki;
  let agent: AgentServer;
  let address: string;
  let dir: string;

  beforeAll(async () => {
    pki = makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'squall-capacity-'));
    agent = createAgentServer({ ledgerDir: join(dir, 'ledger') });
    const { port } = await agent.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
    });
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await agent.close();
    rmSync(pki.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const tls = () => ({ ca: pki.ca, cert: pki.controller.cert, key: pki.controller.key });

  it('Hello reports cores, memory and the filesystems asked about', async () => {
    const client = newAgentClient('agent', { address, tls: tls() }, dir);
    try {
      const { info } = await helloAgent(client, 'agent', 5000, [dir, '/no/such/dir']);
      expect(info.resources).toMatchObject({ cpus: availableParallelism(), total_memory_bytes: totalmem() });
      const [here, missing] = info.resources!.filesystems;
      expect(here).toMatchObject({ path: dir, exists: true });
      expect(here!.total_bytes).toBeGreaterThan(0);
      expect(missing).toMatchObject({ path: '/no/such/dir', exists: false });
      const capacity = capacityOf('agent', info)!;
      expect(capacity.filesystem(dir)?.totalBytes).toBe(here!.total_bytes);
      expect(capacity.filesystem('/no/such/dir')).toBeUndefined();
      expect(capacityOf('old', { ...info, resources: null })).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('a run asking the agent for more than it has stops with exit 2 before injecting', async () => {
    const file = join(dir, 'greedy.yaml');
    const text = `apiVersion: squall/v1
kind: Experiment
metadata: { name: greedy }
agents:
  agent: { address: "${address}", tls: { ca: "${pki.ca}", cert: "${pki.controller.cert}", key: "${pki.controller.key}" } }
phases: { preflight: 0s, baseline: 200ms, fault: 1s, recovery: 200ms }
faults:
  - name: burn
    kind: stress.cpu
    duration: 1s
    target: { agent: agent, host: self }
    params: { workers: ${availableParallelism() + 1} }
  - name: hog
    kind: stress.memory
    duration: 1s
    target: { agent: agent, host: self }
    params: { size: ${Math.ceil(totalmem() / 1024 ** 2) + 1}MiB, maxShare: 100% }
  - name: fill
    kind: stress.disk
    duration: 1s
    target: { agent: agent, host: self }
    params: { size: 1000TiB, path: "${dir}" }
`;
    // On the local agent these would be refused by validate; on the remote agent they load.
    const loaded = loadExperimentText(text, file);
    const runner = createRunner({
      experiment: loaded.experiment,
      file,
      source: loaded.source,
      outDir: join(dir, 'run'),
      environment: createDefaultEnvironment(),
      sliceMs: 100,
    });
    const result = await runner.run();
    expect(result.exitCode).toBe(2);
    expect(result.outcome).toBe('invalid');
    const lines = result.error?.message.split('\n') ?? [];
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      `${file}:12:24 faults[0].params.workers: stress.cpu: ${availableParallelism() + 1} workers exceed the ${availableParallelism()} cores of agent 'agent'`,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${file}:17:21 faults\\[1\\]\\.params\\.size: stress\\.memory: .* exceeds the cap .* of agent 'agent'\\)$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${file}:22:21 faults\\[2\\]\\.params\\.size: stress\\.disk: .* exceeds the cap .* on agent 'agent'$`,
      ),
    );
    const journal = readFileSync(result.journalPath, 'utf8');
    expect(journal).not.toContain('fault.injected');
    expect(agent.activeFaults()).toBe(0);
  });
});
