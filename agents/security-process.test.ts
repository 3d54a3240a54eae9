/**
 * Issue 12, finding 3: the agent cannot be told to freeze (or kill) itself. A real `squall
 * agent` runs in a child process under two small wrapper processes (so its parent and
 * grandparent are the test's own children, never the test runner), and is asked to pause,
 * kill or terminate itself, its parent, its grandparent, pid 1, pid -1, a kernel thread, a
 * process named `sshd`, another agent, a name from its policy, and processes of its own
 * systemd unit (a real cgroup in the name=systemd hierarchy, when the host has one). Each is
 * refused with SQUALL_TARGET_PROTECTED before anything is signalled: the target is not stopped
 * afterwards. On code without the guard the agent really stops itself: every test continues
 * whatever it froze (afterEach), so a failure cannot leave a stopped process behind.
 * pid 1 is asked for from an agent in its own pid namespace, whose pid 1 is a shell the test
 * owns: the host's init is never signalled, whatever the code under test does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentConnection,
  connectAgent,
  helloAgent,
  newAgentClient,
} from '../engine/controller/agent-connection.js';
import { procState, waitFor } from './faults/proc.js';
import { type AgentServer, createAgentServer, readTlsFiles } from './server/agent-server.js';
import { parsePolicy } from './server/policy.js';
import {
  answerOf,
  childrenOf,
  commOf,
  controllerTls,
  type SquallChild,
  signalAll,
  startChildAgent,
} from './test-support/agent-child.js';
import { makeTestPki, type TestPki } from './test-support/pki.js';

let n = 0;
const fault = (kind: string, target: { pid: number } | { process: string }) => ({
  faultId: `self-${n++}`,
  kind,
  target,
  params: kind === 'process.pause' ? {} : { restart: false, exitTimeout: '300ms' },
  durationMs: 5000,
});

/** A sleeper whose comm is `name` (the kernel names a process after the file it executes). */
function sleeperNamed(dir: string, name: string): ChildProcess {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, name))) symlinkSync('/bin/sleep', join(bin, name));
  return spawn(join(bin, name), ['30'], { stdio: 'ignore' });
}

// One throwaway PKI for the whole file (making one costs seconds of RSA key generation).
let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

const notStopped = (pid: number) => !['T', 't'].includes(procState(pid) ?? '');

/** Asks for `kind` on `pid` and checks the refusal, and that nothing was stopped. */
async function expectRefused(c: AgentConnection, kind: string, pid: number, why: string) {
  const got = await answerOf(c.inject(fault(kind, { pid })));
  expect({ pid, stopped: !notStopped(pid) }).toEqual({ pid, stopped: false });
  expect(got.code).toBe('SQUALL_TARGET_PROTECTED');
  expect(got.message).toContain(why);
  expect(got.message).toContain('the agent never signals it, so nothing was done');
}

/** An in-process agent over mTLS with `policy`, and a session to it. */
async function localAgent(pki: TestPki, ledgerDir: string, policy: unknown) {
  const agent: AgentServer = createAgentServer({ ledgerDir, policy: parsePolicy(policy) });
  const { port } = await agent.listen('127.0.0.1:0', {
    tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
  });
  const c = await connectAgent('edge', { address: `127.0.0.1:${port}`, tls: controllerTls(pki) });
  return {
    c,
    close: async () => {
      await c.close();
      await agent.close();
    },
  };
}

describe('finding 3: the agent never signals itself, its ancestors, init, kernel threads or protected processes', () => {
  let dir: string;
  let agent: SquallChild & { address: string };
  let c: AgentConnection;
  const others: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-self-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    agent = await startChildAgent(pki, dir, { policy, wrappers: 2 });
    c = await connectAgent('edge', { address: agent.address, tls: controllerTls(pki) }, { ttlMs: 5000 });
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
    const client = newAgentClient('edge', { address: agent.address, tls: controllerTls(pki) }, process.cwd());
    try {
      expect((await helloAgent(client, 'edge', 2000)).info.active_faults).toBe(0);
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
    await waitFor(() => commOf(otherAgent.pid!) === 'squall-agent' && commOf(sshd.pid!) === 'sshd', 3000);
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
    const agent = await startChildAgent(pki, dir, { policy, prefix });
    const c = await connectAgent('edge', { address: agent.address, tls: controllerTls(pki) });
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

describe("finding 3: the policy's protectedProcesses.names", () => {
  it('defaults to sshd and squall-agent; a list given replaces it', async () => {
    expect(parsePolicy({}).protectedProcesses).toEqual({ names: ['sshd', 'squall-agent'], units: [] });
    const dir = mkdtempSync(join(tmpdir(), 'squall-sec-names-'));
    const guarded = sleeperNamed(dir, 'sq-guarded');
    const sshd = sleeperNamed(dir, 'sshd');
    const { c, close } = await localAgent(pki, join(dir, 'ledger'), {
      targets: { pids: true },
      protectedProcesses: { names: ['sq-guarded'] },
    });
    try {
      await waitFor(() => commOf(guarded.pid!) === 'sq-guarded' && commOf(sshd.pid!) === 'sshd', 3000);
      await expectRefused(
        c,
        'process.pause',
        guarded.pid!,
        `'sq-guarded'; protectedProcesses.names: sq-guarded)`,
      );
      // The list replaced the default: under this policy sshd may be paused.
      const paused = await c.inject(fault('process.pause', { pid: sshd.pid! }));
      expect(procState(sshd.pid!)).toBe('T');
      await paused.revert();
    } finally {
      signalAll([guarded.pid, sshd.pid], 'SIGKILL');
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const CGROUPS = '/sys/fs/cgroup/systemd';
const canUseCgroups = process.getuid?.() === 0 && existsSync(join(CGROUPS, 'cgroup.procs'));

describe.skipIf(!canUseCgroups)('finding 3: processes of a systemd unit (real cgroups)', () => {
  const [own, listed] = [`squall-test-${process.pid}.service`, `squall-other-${process.pid}.service`];
  const started: ChildProcess[] = [];
  let dir: string;
  let agent: (SquallChild & { address: string }) | undefined;

  /** Runs argv inside `unit`: a cgroup of the name=systemd hierarchy, as systemd makes them. */
  const inUnit = (unit: string) => [
    'sh',
    '-c',
    `echo $$ > ${CGROUPS}/${unit}/cgroup.procs && exec "$@"`,
    'sh',
  ];
  const spawnIn = (unit: string, argv: string[]) => {
    const child = spawn('sh', [...inUnit(unit).slice(1), ...argv], { stdio: 'ignore' });
    started.push(child);
    return child;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-unit-'));
    for (const unit of [own, listed]) mkdirSync(join(CGROUPS, unit));
  });
  afterAll(async () => {
    signalAll([agent?.pid, ...started.map((s) => s.pid)], 'SIGKILL');
    await Promise.all([agent?.exited, ...started.map((s) => (s.exitCode === null ? once(s, 'exit') : null))]);
    // The agent's managed child dies with it (parent-death signal); then the cgroups are empty.
    for (const unit of [own, listed]) {
      await waitFor(() => {
        try {
          rmdirSync(join(CGROUPS, unit));
          return true;
        } catch {
          return false;
        }
      }, 3000);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a sibling in the agent's own unit, and pauses the agent's own managed child there", async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, 'processes:\n  kid: { command: [sleep, "30"] }\n');
    agent = await startChildAgent(pki, dir, { policy, config, prefix: inUnit(own) });
    const sibling = spawnIn(own, ['sleep', '30']);
    await waitFor(() => commOf(sibling.pid!) === 'sleep', 3000);
    const c = await connectAgent('edge', { address: agent.address, tls: controllerTls(pki) });
    try {
      await expectRefused(
        c,
        'process.pause',
        sibling.pid!,
        `in this agent's own systemd unit (pid ${sibling.pid}, ${own})`,
      );
      const kid = await c.inject(fault('process.pause', { process: 'kid' }));
      expect(kid.where).toMatch(/process 'kid' pid \d+ \(SIGSTOP\)/);
      await kid.revert();
    } finally {
      signalAll([sibling.pid], 'SIGCONT');
      await c.close();
    }
  });

  it('refuses a process of a unit the policy lists', async () => {
    const stranger = spawnIn(listed, ['sleep', '30']);
    await waitFor(() => commOf(stranger.pid!) === 'sleep', 3000);
    const { c, close } = await localAgent(pki, join(dir, 'ledger-local'), {
      targets: { pids: true },
      protectedProcesses: { units: [listed] },
    });
    try {
      await expectRefused(
        c,
        'process.pause',
        stranger.pid!,
        `in a protected systemd unit (pid ${stranger.pid}, ${listed}`,
      );
    } finally {
      signalAll([stranger.pid], 'SIGCONT');
      await close();
    }
  });
});
