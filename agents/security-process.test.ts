/**
 * Issue 12, finding 3: the agent cannot be told to freeze (or kill) itself. A real `squall
 * agent` runs in a child process under two small wrapper processes (so its parent and
 * grandparent are the test's own children, never the test runner), and is asked to pause,
 * kill or terminate itself, its parent, its grandparent, pid -1, a kernel thread, a process
 * named `sshd` and another agent; pid 1 is asked of an agent in its own pid namespace, whose
 * pid 1 is a shell the test owns, so the host's init is never signalled whatever the code under
 * test does. Each is refused with SQUALL_TARGET_PROTECTED before anything is signalled: the
 * target is not stopped afterwards. On code without the guard the agent really stops itself:
 * every test continues whatever it froze (afterEach), so a failure leaves nothing stopped.
 * The policy's own lists and systemd units: security-protected.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentConnection,
  connectAgent,
  helloAgent,
  newAgentClient,
} from '../engine/controller/agent-connection.js';
import { procState } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import {
  answerOf,
  childrenOf,
  commOf,
  controllerTls,
  filePki,
  type SquallChild,
  signalAll,
  startChildAgent,
} from './test-support/agent-child.js';
import { expectRefused, fault, notStopped, sleeperNamed } from './test-support/process-targets.js';

const pki = filePki();

describe('finding 3: the agent never signals itself, its ancestors, init, kernel threads or protected processes', () => {
  let dir: string;
  let agent: SquallChild & { address: string };
  let c: AgentConnection;
  const others: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-self-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    agent = await startChildAgent(pki(), dir, { policy, wrappers: 2 });
    c = await connectAgent('agent', { address: agent.address, tls: controllerTls(pki()) }, { ttlMs: 5000 });
  });
  afterEach(() => {
    // Whatever old code froze runs again: the agent, its wrappers, the test's sleepers.
    signalAll([agent.pid, ...agent.wrappers, ...others.map((o) => o.pid)], 'SIGCONT');
  });
  afterAll(async () => {
    await c?.close();
    signalAll([agent?.pid, ...(agent?.wrappers ?? []), ...others.map((o) => o.pid)], 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('itself: pause, terminate and kill are refused, and the agent keeps answering', async () => {
    for (const kind of ['process.pause', 'process.terminate', 'process.kill']) {
      await expectRefused(c, kind, agent.pid, `pid ${agent.pid} is this agent itself: it would freeze`);
    }
    const client = newAgentClient(
      'agent',
      { address: agent.address, tls: controllerTls(pki()) },
      process.cwd(),
    );
    try {
      expect((await helloAgent(client, 'agent', 2000)).info.active_faults).toBe(0);
    } finally {
      client.close();
    }
  });

  it('its parent and its grandparent', async () => {
    const [grandparent, parent] = agent.wrappers as [number, number];
    await expectRefused(c, 'process.pause', parent, `the parent of this agent (pid ${parent}`);
    await expectRefused(
      c,
      'process.pause',
      grandparent,
      `an ancestor (2 levels up) of this agent (pid ${grandparent}`,
    );
    await expectRefused(c, 'process.kill', parent, 'the parent of this agent');
    expect([parent, grandparent, agent.pid].every(notStopped)).toBe(true);
  });

  it('pid -1 (every process, to kill(2)) and a kernel thread', async () => {
    const minusOne = await answerOf(c.inject(fault('process.pause', { pid: -1 })));
    expect(minusOne.code).toBe('SQUALL_TARGET_PROTECTED');
    expect(minusOne.message).toContain(
      "pid -1 is not one process (to kill(2), pid 0 is the agent's process group",
    );
    // kthreadd (pid 2) exists wherever kernel threads are visible (not inside a pid namespace).
    if (commOf(2) === 'kthreadd')
      await expectRefused(c, 'process.pause', 2, 'a kernel thread (pid 2, kthreadd)');
  });

  it('sshd and other agents by default; an ordinary process is paused as asked', async () => {
    const sshd = sleeperNamed(dir, 'sshd');
    const otherAgent = spawn(
      process.execPath,
      ['-e', "process.title = 'squall-agent'; setInterval(() => {}, 1000)"],
      {
        stdio: 'ignore',
      },
    );
    const plain = sleeperNamed(dir, 'sq-plain');
    others.push(sshd, otherAgent, plain);
    await waitUntil(() => commOf(otherAgent.pid!) === 'squall-agent' && commOf(sshd.pid!) === 'sshd', {
      timeoutMs: 3000,
    });
    await expectRefused(c, 'process.pause', sshd.pid!, `a protected process (pid ${sshd.pid}, 'sshd'`);
    await expectRefused(
      c,
      'process.kill',
      otherAgent.pid!,
      `a protected process (pid ${otherAgent.pid}, 'squall-agent'`,
    );
    const ok = await c.inject(fault('process.pause', { pid: plain.pid! }));
    expect(procState(plain.pid!)).toBe('T');
    await ok.revert();
    expect(notStopped(plain.pid!)).toBe(true);
  });
});

describe('finding 3: pid 1 (in a pid namespace, so the pid 1 asked for is a shell the test owns)', () => {
  it('refuses init', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'squall-sec-init-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    // `sh` is pid 1 of the new namespace and waits for the agent (no exec: it stays pid 1).
    const prefix = [
      'unshare',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      'sh',
      '-c',
      '"$@"; exit $?',
      'sh',
    ];
    const agent = await startChildAgent(pki(), dir, { policy, prefix });
    const c = await connectAgent('agent', { address: agent.address, tls: controllerTls(pki()) });
    const init = childrenOf(agent.pid)[0]!; // unshare's child: the namespace's pid 1
    try {
      expect(commOf(init)).toBe('sh');
      const got = await answerOf(c.inject(fault('process.pause', { pid: 1 })));
      expect(notStopped(init)).toBe(true);
      expect(got.code).toBe('SQUALL_TARGET_PROTECTED');
      expect(got.message).toContain('pid 1 is init (pid 1)');
    } finally {
      signalAll([init], 'SIGCONT');
      await c.close();
      signalAll([agent.pid], 'SIGKILL');
      await agent.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
