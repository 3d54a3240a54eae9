/**
 * Issue 12, finding 4: a restarted agent recovers the very process its predecessor paused, and
 * nothing else. Real `squall agent` processes are killed with SIGKILL while a process is
 * paused, then started again on the same ledger; the test reads the real states in
 * /proc/<pid>/stat (T stopped, S/R running), the agent's log and its Hello.
 * - a managed process (spawned by the agent) dies with the agent; the restarted agent says so
 *   and its fresh process really serves the port;
 * - a process found by pid file is resumed by identity (pid + start time), not the new process
 *   the pid file names by then;
 * - a ledger entry whose start time does not match (a reused pid: simulated by editing the
 *   recorded start time, since a pid cannot be reused on demand) is left alone, and an entry
 *   the agent cannot undo stays in the ledger and is reported in Hello;
 * - a process still holding a managed process's ready port is named, and the agent does not
 *   start (its ready check would pass against that process).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAgent, helloAgent, newAgentClient } from '../engine/controller/agent-connection.js';
import { pingAgent } from '../engine/controller/ping.js';
import { freePort } from '../engine/core/ports.js';
import { procState } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import { FIXTURES_DIR } from './fixtures/fixtures-dir.js';
import {
  childrenOf,
  controllerTls,
  filePki,
  type SquallChild,
  signalAll,
  startChildAgent,
} from './test-support/agent-child.js';

const pki = filePki();

/** True when an echo through 127.0.0.1:port comes back within 1 s (a stopped server accepts, but never answers). */
function echoes(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 1000);
    s.on('connect', () => s.write('ping'));
    s.on('data', () => done(true));
    s.on('error', () => done(false));
  });
}

const running = (pid: number) => ['S', 'R', 'D'].includes(procState(pid) ?? '');
const pauseOf = (faultId: string, target: Record<string, unknown>) => ({
  faultId,
  kind: 'process.pause',
  target,
  params: {},
  durationMs: 60_000,
});

describe('finding 4: a restarted agent recovers only the process its predecessor paused', () => {
  let dir: string;
  const agents: SquallChild[] = [];
  const pids: number[] = [];
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-sec-restart-'));
  });
  afterEach(async () => {
    // Old code leaves processes stopped, and managed ones orphaned: continue and end everything
    // this test started, the agents' own children included.
    for (const a of agents) pids.push(...childrenOf(a.pid));
    signalAll([...pids, ...children.map((c) => c.pid)], 'SIGCONT');
    signalAll([...agents.map((a) => a.pid), ...pids, ...children.map((c) => c.pid)], 'SIGKILL');
    await Promise.all(agents.splice(0).map((a) => a.exited));
    pids.length = 0;
    children.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (options: Parameters<typeof startChildAgent>[2]) => {
    const agent = await startChildAgent(pki(), dir, options);
    agents.push(agent);
    return agent;
  };
  const kill9 = async (agent: SquallChild) => {
    agent.child.kill('SIGKILL');
    await agent.exited;
  };
  const hello = async (address: string) => {
    const client = newAgentClient('agent', { address, tls: controllerTls(pki()) }, process.cwd());
    try {
      return (await helloAgent(client, 'agent', 3000)).info;
    } finally {
      client.close();
    }
  };

  it('a paused managed process does not outlive the killed agent; the new agent says so and its own process serves the port', async () => {
    const port = await freePort();
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      `processes:\n  victim: { command: [node, "${FIXTURES_DIR}tcp-server.mjs", "${port}"], ready: { tcp: "127.0.0.1:${port}", timeout: 5s } }\n`,
    );
    const first = await start({ config });
    const c = await connectAgent('agent', { address: first.address, tls: controllerTls(pki()) });
    const fault = await c.inject(pauseOf('pause-victim', { process: 'victim' }));
    const old = Number(/process 'victim' pid (\d+)/.exec(fault.where)![1]);
    pids.push(old);
    expect(procState(old)).toBe('T');
    await kill9(first); // first: a session that ends cleanly would revert its faults
    await c.close();

    const second = await start({ config });
    // The old process is not left stopped: it died with its agent (parent-death signal).
    expect(
      await waitUntil(() => procState(old) === undefined || procState(old) === 'Z', { timeoutMs: 2000 }),
    ).toBe(true);
    expect(second.stderr()).toContain(
      `[pause-victim] ledger: process.pause left by a previous agent process: process 'victim' pid ${old} is gone`,
    );
    expect(second.line).toContain('1 leftover(s) of a previous agent cleared');
    // The port is served by a live, new victim (a stopped one would accept but never echo).
    expect(await echoes(port)).toBe(true);
    const info = await hello(second.address);
    expect(info.recovered_at_start).toBe(1);
    expect(info.unrecovered_at_start).toEqual([]);
    expect(readdirSync(join(dir, 'ledger'))).toEqual([]);
  });

  it('a process found by pid file is resumed by identity, not the new process the pid file names by then', async () => {
    const pidFile = join(dir, 'svc.pid');
    const config = join(dir, 'agent.yaml');
    writeFileSync(config, `processes:\n  svc: { pidFile: "${pidFile}" }\n`);
    const svc1 = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(svc1);
    writeFileSync(pidFile, `${svc1.pid}\n`);
    const first = await start({ config });
    const c = await connectAgent('agent', { address: first.address, tls: controllerTls(pki()) });
    await c.inject(pauseOf('pause-svc', { process: 'svc' }));
    expect(procState(svc1.pid!)).toBe('T');
    await kill9(first); // first: a session that ends cleanly would revert its faults
    await c.close();
    expect(procState(svc1.pid!)).toBe('T'); // not the agent's child: it survives, stopped
    // Meanwhile the service was started again: the pid file names a new process.
    const svc2 = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(svc2);
    writeFileSync(pidFile, `${svc2.pid}\n`);

    const second = await start({ config });
    expect(procState(svc1.pid!)).not.toBe('T');
    expect(running(svc2.pid!)).toBe(true);
    expect(second.stderr()).toContain(`process 'svc' pid ${svc1.pid} resumed (SIGCONT)`);
  });

  it('a reused pid is left alone, and what cannot be undone stays in the ledger and is reported in Hello', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'targets: { pids: true }\n');
    const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(victim);
    const first = await start({ policy });
    const c = await connectAgent('agent', { address: first.address, tls: controllerTls(pki()) });
    await c.inject(pauseOf('pause-bare', { pid: victim.pid! }));
    await kill9(first); // first: a session that ends cleanly would revert its faults
    await c.close();
    // As if the paused process had exited and its pid gone to a process started later.
    const entryFile = join(dir, 'ledger', 'pause-bare.json');
    const entry = JSON.parse(readFileSync(entryFile, 'utf8'));
    entry.state = { ...entry.state, pid: victim.pid, startTime: (entry.state?.startTime ?? 0) + 1 };
    writeFileSync(entryFile, `${JSON.stringify(entry)}\n`);
    // And an entry of a kind this agent has no driver for (left by a newer agent version).
    writeFileSync(
      join(dir, 'ledger', 'future-1.json'),
      `${JSON.stringify({ ...entry, faultId: 'future-1', kind: 'future.driver', state: undefined })}\n`,
    );

    const second = await start({ policy });
    expect(procState(victim.pid!)).toBe('T'); // not ours to continue any more
    expect(second.stderr()).toContain(
      `pid ${victim.pid} now belongs to another process (started later); left that one alone`,
    );
    expect(second.line).toContain('1 leftover(s) could NOT be reverted (kept in the ledger; see the log)');
    expect(second.stderr()).toContain(
      '[future-1] ledger: could NOT revert future.driver left by a previous agent process',
    );
    expect(readdirSync(join(dir, 'ledger'))).toEqual(['future-1.json']);
    const info = await hello(second.address);
    expect(info.unrecovered_at_start).toEqual([
      "future-1 (future.driver): no driver 'future.driver' in this agent — kept in the agent's ledger",
    ]);
    const ping = await pingAgent(
      'agent',
      { address: second.address, tls: controllerTls(pki()) },
      { samples: 1 },
    );
    expect(ping.unrecoveredAtStart).toEqual(info.unrecovered_at_start);
    // A controller connecting to it says so in its log.
    const logs: string[] = [];
    const c2 = await connectAgent(
      'agent',
      { address: second.address, tls: controllerTls(pki()) },
      { log: (m) => logs.push(m) },
    );
    await c2.close();
    expect(
      logs.some((l) => l.includes("agent 'agent' could not revert 1 fault(s) a previous agent process left")),
    ).toBe(true);
  });

  it('a process still holding a managed process’s ready port is named, and the agent does not start against it', async () => {
    const port = await freePort();
    const stranger = spawn(process.execPath, [join(FIXTURES_DIR, 'tcp-server.mjs'), String(port)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(stranger);
    await new Promise<void>((resolve) =>
      stranger.stdout!.on('data', (d) => String(d).includes('listening') && resolve()),
    );
    const config = join(dir, 'agent.yaml');
    writeFileSync(
      config,
      `processes:\n  svc: { command: [node, "${FIXTURES_DIR}tcp-server.mjs", "${port}"], ready: { tcp: "127.0.0.1:${port}", timeout: 3s } }\n`,
    );
    const outcome = await start({ config }).then(
      () => 'the agent started: its ready check passed against the stranger',
      (err: Error) => err.message,
    );
    expect(outcome).toContain('exited (4) before ready');
    expect(outcome).toContain(
      `process 'svc' was not started: 127.0.0.1:${port} already accepts connections before it was started (held by pid ${stranger.pid}: `,
    );
    expect(outcome).toContain('so its ready check would pass against that process');
  });
});
