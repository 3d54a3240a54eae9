/**
 * Issue 12, finding 1: a pid file target never leaks the file it names. A real agent (a child
 * `squall agent` over mTLS; its log is its stderr) is asked to pause `pidFile: <secret>` for a
 * shadow-like file and the test CA's own key, each holding a known marker: the marker appears
 * in neither the gRPC error, nor the agent's log, nor a runner's journal. A FIFO does not hang
 * the agent. With the default policy, pid and pid-file targets are refused; a `pidFiles` allow
 * list admits only the files it names (not a symlink out of them).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultEnvironment } from '../engine/app/environment.js';
import { type AgentConnection, connectAgent } from '../engine/controller/agent-connection.js';
import { isStopped } from '../engine/core/processes.js';
import { createRunner } from '../engine/run/runner.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './server/agent-server.js';
import { parsePolicy } from './server/policy.js';
import {
  agentExperiment,
  answerOf,
  controllerTls,
  filePki,
  type SquallChild,
  startChildAgent,
} from './test-support/agent-child.js';

const MARKER = `SQUALL-SECRET-${randomBytes(6).toString('hex')}`;

const pki = filePki();

const pause = (faultId: string, target: Record<string, unknown>) => ({
  faultId,
  kind: 'process.pause',
  target,
  params: {},
  durationMs: 5000,
});

describe('finding 1: a pid file never leaks its contents', () => {
  let dir: string;
  let agent: SquallChild & { address: string };
  let c: AgentConnection;
  let shadow: string;
  let short: string;
  let caKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-pidfile-'));
    shadow = join(dir, 'shadow');
    writeFileSync(shadow, `root:$6$${MARKER}$Zx9:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`, {
      mode: 0o600,
    });
    short = join(dir, 'short');
    writeFileSync(short, `${MARKER}\n`, { mode: 0o600 });
    caKey = join(dirname(pki().ca), 'ca.key');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    agent = await startChildAgent(pki(), dir, { policy });
    c = await connectAgent('agent', { address: agent.address, tls: controllerTls(pki()) }, { ttlMs: 5000 });
  });
  afterAll(async () => {
    await c?.close();
    agent?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a shadow-like file, a short secret and a CA key: refused, and no message or log line shows them', async () => {
    const keyLine = readFileSync(caKey, 'utf8').split('\n')[1]!; // a line of base64 key material
    expect(keyLine.length).toBeGreaterThan(40);
    for (const [i, file] of [shadow, short, caKey].entries()) {
      const err = await answerOf(c.inject(pause(`leak-${i}`, { pidFile: file })));
      expect(err.message).not.toContain(MARKER);
      expect(err.message).not.toContain(keyLine);
      expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');
      expect(err.message).toContain(`not a pid file: ${file}`);
      expect(err.message).toMatch(/expected one decimal number|does not hold one decimal number/);
    }
    expect(agent.stderr()).toContain('refused leak-0');
    expect(agent.stderr()).not.toContain(MARKER);
    expect(agent.stderr()).not.toContain(keyLine);
  });

  it("a runner's journal does not hold the contents either", async () => {
    const experiment = agentExperiment(
      'pidfile-leak',
      agent.address,
      pki(),
      `name: freeze, kind: process.pause, duration: 300ms, target: { agent: agent, pidFile: "${shadow}" }`,
    );
    const result = await createRunner({
      experiment,
      file: join(dir, 'leak.yaml'),
      outDir: join(dir, 'run'),
      environment: createDefaultEnvironment(),
      sliceMs: 100,
    }).run();
    const journal = readFileSync(result.journalPath, 'utf8');
    expect(journal).not.toContain(MARKER);
    expect(result.exitCode).toBe(4);
    expect(journal).toContain('fault.inject_failed');
    expect(journal).toContain('not a pid file');
  });

  // Last: on code that blocks on a FIFO, the agent hangs here for good.
  it('a FIFO as pid file is refused at once (the agent does not wait for a writer)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    const err = await answerOf(c.inject(pause('fifo-1', { pidFile: fifo })));
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');
    expect(err.message).toContain('is not a regular file');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('finding 1: pids and pid files only where the policy lists them', () => {
  let dir: string;
  let victim: ChildProcess;
  const agents: AgentServer[] = [];
  const connections: AgentConnection[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-pids-'));
    victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'victim.pid'), `${victim.pid}\n`);
    writeFileSync(join(dir, 'elsewhere.pid'), `${victim.pid}\n`);
    symlinkSync(join(dir, 'elsewhere.pid'), join(dir, 'run', 'sneaky.pid'));
  });
  afterAll(async () => {
    for (const c of connections) await c.close();
    for (const a of agents) await a.close();
    victim.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const agentWith = async (policy: unknown) => {
    const a = createAgentServer({
      ledgerDir: join(dir, `ledger-${agents.length}`),
      policy: parsePolicy(policy),
    });
    agents.push(a);
    const { port } = await a.listen('127.0.0.1:0', {
      tls: readTlsFiles({ ca: pki().ca, cert: pki().agent.cert, key: pki().agent.key }),
    });
    const c = await connectAgent('agent', { address: `127.0.0.1:${port}`, tls: controllerTls(pki()) });
    connections.push(c);
    return c;
  };

  it('the default policy refuses a bare pid and a pid file, saying which rule', async () => {
    const c = await agentWith({});
    for (const target of [{ pid: victim.pid! }, { pidFile: join(dir, 'run', 'victim.pid') }]) {
      const err = await answerOf(c.inject(pause(`dflt-${'pid' in target ? 'pid' : 'file'}`, target)));
      expect(err.code).toBe('SQUALL_AGENT_POLICY_DENIED');
      expect(err.message).toContain("targeting by pid or pid file is not allowed by the agent's policy");
      expect(err.message).toContain('targets.pids: false');
    }
    expect(isStopped(victim.pid!)).toBe(false);
  });

  it('pids: { pidFiles } admits the files it lists, and neither bare pids, other files nor a symlink out', async () => {
    const c = await agentWith({ targets: { pids: { pidFiles: [`${dir}/run/*.pid`] } } });
    const fault = await c.inject(pause('listed', { pidFile: join(dir, 'run', 'victim.pid') }));
    expect(isStopped(victim.pid!)).toBe(true);
    await fault.revert();
    expect(isStopped(victim.pid!)).toBe(false);
    const bare = await answerOf(c.inject(pause('bare', { pid: victim.pid! })));
    expect(bare.message).toContain('targeting a bare pid is not allowed');
    const other = await answerOf(c.inject(pause('other', { pidFile: join(dir, 'elsewhere.pid') })));
    expect(other.message).toContain("is not in the agent's policy");
    const sneaky = await answerOf(c.inject(pause('sneaky', { pidFile: join(dir, 'run', 'sneaky.pid') })));
    expect(sneaky.message).toContain(`leads to ${join(dir, 'elsewhere.pid')}`);
    const dotdot = await answerOf(c.inject(pause('dotdot', { pidFile: `${dir}/run/../elsewhere.pid` })));
    expect(dotdot.code).toBe('SQUALL_AGENT_POLICY_DENIED');
    expect(isStopped(victim.pid!)).toBe(false);
  });
});
