/**
 * Issue 12, finding 3, the configurable part: the policy's `protectedProcesses` (names, with
 * `sshd` and `squall-agent` by default, and systemd units), and the agent's own systemd unit.
 * Units are real cgroups made in the name=systemd hierarchy, as systemd makes them, with a
 * real `squall agent` started inside one (skipped where there is no such hierarchy or no root).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent } from '../engine/controller/agent-connection.js';
import { procState } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import { parsePolicy } from './server/policy.js';
import {
  commOf,
  controllerTls,
  filePki,
  type SquallChild,
  signalAll,
  startChildAgent,
} from './test-support/agent-child.js';
import { expectRefused, fault, localAgent, sleeperNamed } from './test-support/process-targets.js';

const pki = filePki();

describe("finding 3: the policy's protectedProcesses.names", () => {
  it('defaults to sshd and squall-agent; a list given replaces it', async () => {
    expect(parsePolicy({}).protectedProcesses).toEqual({ names: ['sshd', 'squall-agent'], units: [] });
    const dir = mkdtempSync(join(tmpdir(), 'squall-sec-names-'));
    const guarded = sleeperNamed(dir, 'sq-guarded');
    const sshd = sleeperNamed(dir, 'sshd');
    const { c, close } = await localAgent(pki(), join(dir, 'ledger'), {
      targets: { pids: true },
      protectedProcesses: { names: ['sq-guarded'] },
    });
    try {
      await waitUntil(() => commOf(guarded.pid!) === 'sq-guarded' && commOf(sshd.pid!) === 'sshd', {
        timeoutMs: 3000,
      });
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
    // SIGTERM: the agent stops (and reaps) its managed child itself. A child killed with the
    // agent would be reaped by pid 1, whenever it gets to it, and hold its cgroup until then.
    signalAll([agent?.pid], 'SIGCONT');
    signalAll([agent?.pid], 'SIGTERM');
    signalAll(
      started.map((s) => s.pid),
      'SIGKILL',
    );
    const stopped = setTimeout(() => signalAll([agent?.pid], 'SIGKILL'), 8000);
    await Promise.all([agent?.exited, ...started.map((s) => (s.exitCode === null ? once(s, 'exit') : null))]);
    clearTimeout(stopped);
    for (const unit of [own, listed]) {
      await waitUntil(
        () => {
          try {
            rmdirSync(join(CGROUPS, unit));
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 10_000 },
      );
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a sibling in the agent's own unit, and pauses the agent's own managed child there", async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, 'processes:\n  kid: { command: [sleep, "30"] }\n');
    agent = await startChildAgent(pki(), dir, { policy, config, prefix: inUnit(own) });
    const sibling = spawnIn(own, ['sleep', '30']);
    await waitUntil(() => commOf(sibling.pid!) === 'sleep', { timeoutMs: 3000 });
    const c = await connectAgent('agent', { address: agent.address, tls: controllerTls(pki()) });
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
    await waitUntil(() => commOf(stranger.pid!) === 'sleep', { timeoutMs: 3000 });
    const { c, close } = await localAgent(pki(), join(dir, 'ledger-local'), {
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
