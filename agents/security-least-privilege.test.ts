/**
 * Least privilege (docs/security.md, "Running an agent without root"): a real `squall agent`
 * running as `nobody` with only CAP_NET_ADMIN and CAP_KILL (ambient and bounding sets, via
 * `setpriv`), in its own network namespace, with certificates from `squall certs init`. It
 * applies and reverts nft and tc faults in its namespace and pauses a root-owned process; the
 * same agent without CAP_KILL cannot pause it. What the docs say each driver needs is what this
 * test shows. Needs root (to create the namespace and drop to nobody); skipped otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../engine/app/cli/main.js';
import type { AgentConnection } from '../engine/controller/agent-connection.js';
import { isStopped } from '../engine/core/processes.js';
import { connectAcross, createHostLinkedNetns, type HostLinkedNetns } from './test-support/host-netns.js';
import { canUseNetns } from './test-support/netns.js';
import { agentTlsFlags, captureIo, type RunningAgent, startSquallAgent } from './test-support/squall-cli.js';

const NOBODY = 65534;
const CAP_KILL = 1n << 5n;
const CAP_NET_ADMIN = 1n << 12n;

const capabilities = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)![1]}`);
  return {
    uid: Number(/^Uid:\s*(\d+)/m.exec(status)![1]),
    effective: field('CapEff'),
    bounding: field('CapBnd'),
  };
};

describe.skipIf(!canUseNetns())('an agent as nobody with CAP_NET_ADMIN and CAP_KILL only', () => {
  let net: HostLinkedNetns;
  let dir: string;
  let victim: ChildProcess;
  const agents: RunningAgent[] = [];
  const connections: AgentConnection[] = [];
  const file = (name: string) => join(dir, name);

  const startAgent = async (name: string, caps: string[]) => {
    const list = caps.map((c) => `+${c}`).join(',');
    const state = file(`state-${name}`);
    mkdirSync(state);
    chownSync(state, NOBODY, NOBODY);
    const setpriv = [
      'setpriv',
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      `--inh-caps=${list}`,
      `--ambient-caps=${list}`,
      `--bounding-set=-all,${list}`,
    ];
    const agent = await startSquallAgent(
      [
        '--listen',
        `${net.nsAddr}:0`,
        ...agentTlsFlags(file('certs'), 'edge-1'),
        '--ledger',
        join(state, 'ledger'),
        '--config',
        file('agent.yaml'),
      ],
      { wrap: [...net.prefix, ...setpriv], tmpdir: state },
    );
    agents.push(agent);
    const c = await connectAcross(net, agent.address, file('certs'));
    connections.push(c);
    return { agent, c };
  };

  beforeAll(async () => {
    net = createHostLinkedNetns();
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-caps-'));
    chmodSync(dir, 0o711);
    const io = captureIo(dir);
    expect(await main(['certs', 'init', '--dir', 'certs', '--agent', 'edge-1'], io)).toBe(0);
    // The agent's user reads its own key; nothing else in the directory is its.
    chmodSync(file('certs'), 0o711);
    chownSync(file('certs/edge-1.key'), NOBODY, NOBODY);
    // A root-owned process the agent may pause only with CAP_KILL.
    victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(file('victim.pid'), `${victim.pid}\n`);
    chmodSync(file('victim.pid'), 0o644);
    writeFileSync(file('agent.yaml'), `processes:\n  victim: { pidFile: ${file('victim.pid')} }\n`);
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) await c.close();
    for (const a of agents.splice(0)) await a.stop();
  });
  afterAll(() => {
    victim?.kill('SIGKILL');
    net?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as nobody with exactly those capabilities, and applies nft, tc and process faults', async () => {
    const { agent, c } = await startAgent('full', ['net_admin', 'kill']);
    const caps = capabilities(agent.child.pid!);
    expect(caps.uid).toBe(NOBODY);
    expect(caps.effective).toBe(CAP_NET_ADMIN | CAP_KILL);
    expect(caps.bounding).toBe(CAP_NET_ADMIN | CAP_KILL);

    const nft = await c.inject({
      faultId: 'bh-1',
      kind: 'nft.blackhole',
      target: { host: 'self' },
      params: { ports: [9], protocol: 'tcp', direction: 'both' },
      durationMs: 10_000,
    });
    expect(net.exec(['nft', 'list', 'tables'])).toContain('table inet squall_bh-1');
    await nft.revert();
    expect(net.exec(['nft', 'list', 'tables'])).not.toContain('squall_bh-1');

    const tc = await c.inject({
      faultId: 'bw-1',
      kind: 'tc.bandwidth',
      target: { host: 'self' },
      params: { device: 'lo', rate: '100mbit' },
      durationMs: 10_000,
    });
    expect(net.exec(['tc', 'qdisc', 'show', 'dev', 'lo', 'root'])).toContain('tbf 5157:');
    await tc.revert();
    expect(net.exec(['tc', 'qdisc', 'show', 'dev', 'lo', 'root'])).not.toContain('5157:');

    const pause = await c.inject({
      faultId: 'pause-1',
      kind: 'process.pause',
      target: { process: 'victim' },
      params: {},
      durationMs: 10_000,
    });
    expect(isStopped(victim.pid!)).toBe(true);
    await pause.revert();
    expect(isStopped(victim.pid!)).toBe(false);
  });

  it('without CAP_KILL the same agent cannot pause a process of another user', async () => {
    const { agent, c } = await startAgent('no-kill', ['net_admin']);
    expect(capabilities(agent.child.pid!).effective).toBe(CAP_NET_ADMIN);
    await expect(
      c.inject({
        faultId: 'pause-2',
        kind: 'process.pause',
        target: { process: 'victim' },
        params: {},
        durationMs: 10_000,
      }),
    ).rejects.toThrow(/EPERM/);
    expect(isStopped(victim.pid!)).toBe(false);
  });
});
