import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActiveFault } from '../../engine/core/faults.js';
import { acceptsConnections, freePort } from '../../engine/core/ports.js';
import { hasExited, isStopped, procState } from '../../engine/core/processes.js';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';
import { createLocalAgent } from '../local/local-agent.js';
import { createManagedProcess, type LocalManagedProcess } from '../local/managed-processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};
const accepts = (port: number) => acceptsConnections('127.0.0.1', port);

describe('process faults', () => {
  let dir: string;
  let children: ChildProcess[];
  let managed: LocalManagedProcess[];
  let faults: ActiveFault[];

  /** A real child that ticks into a file every 20 ms. */
  const startTicker = async () => {
    const file = join(dir, `ticks-${children.length}`);
    const child = spawn('node', [join(FIXTURES_DIR, 'ticker.mjs'), file], { stdio: 'ignore' });
    children.push(child);
    await expect.poll(() => sizeOf(file), { timeout: 5000 }).toBeGreaterThan(0);
    return { pid: child.pid!, file, child };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-pf-'));
    children = [];
    managed = [];
    faults = [];
  });
  afterEach(async () => {
    for (const f of faults) await f.revert().catch(() => {});
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGCONT');
        c.kill('SIGKILL');
      }
    }
    for (const m of managed) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('process.pause stops a real process and the revert resumes it', async () => {
    const { pid, file } = await startTicker();
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
    const fault = await agent.inject({
      faultId: 'f1',
      kind: 'process.pause',
      target: { pid },
      params: {},
      durationMs: 1000,
    });
    faults.push(fault);
    expect(fault.where).toBe(`local agent, pid ${pid} (SIGSTOP)`);
    expect(fault.removeCommand).toBe(`kill -CONT ${pid}`);
    expect(procState(pid)).toBe('T');

    const frozen = sizeOf(file);
    await sleep(150);
    expect(sizeOf(file)).toBe(frozen);

    await fault.revert();
    expect(isStopped(pid)).toBe(false);
    await expect.poll(() => sizeOf(file)).toBeGreaterThan(frozen);
    expect(agent.active()).toEqual([]);
  });

  it('process.pause finds its target through a pid file', async () => {
    const { pid } = await startTicker();
    const pidFile = join(dir, 'ticker.pid');
    writeFileSync(pidFile, `${pid}\n`);
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
    const fault = await agent.inject({
      faultId: 'f',
      kind: 'process.pause',
      target: { pidFile },
      params: {},
      durationMs: 0,
    });
    faults.push(fault);
    expect(isStopped(pid)).toBe(true);
    await agent.revertAll();
    expect(isStopped(pid)).toBe(false);
  });

  it('process.kill + revert restarts a managed process: new pid, ready again', async () => {
    const port = await freePort();
    const srv = createManagedProcess(
      'srv',
      {
        command: ['node', join(FIXTURES_DIR, 'tcp-server.mjs'), String(port)],
        ready: { tcp: `127.0.0.1:${port}`, timeout: 5000 },
      },
      { logDir: dir },
    );
    managed.push(srv);
    await srv.start();
    const oldPid = srv.pid()!;
    const agent = createLocalAgent({ processes: new Map([['srv', srv]]), proxies: new Map() });

    const fault = await agent.inject({
      faultId: 'k1',
      kind: 'process.kill',
      target: { process: 'srv' },
      params: {},
      durationMs: 100,
    });
    faults.push(fault);
    expect(fault.where).toBe(`local agent, process 'srv' pid ${oldPid} (SIGKILL, restarted on revert)`);
    expect(fault.removeCommand).toContain(`tcp-server.mjs ${port}`);
    expect(hasExited(oldPid)).toBe(true);
    expect(await accepts(port)).toBe(false);

    await fault.revert();
    const newPid = srv.pid()!;
    expect(newPid).toBeDefined();
    expect(newPid).not.toBe(oldPid);
    expect(await accepts(port)).toBe(true);
  });

  it('process.terminate on a bare pid: SIGTERM, and a revert with nothing to restart', async () => {
    const { pid, child } = await startTicker();
    const logs: string[] = [];
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map(), log: (m) => logs.push(m) });
    const fault = await agent.inject({
      faultId: 't1',
      kind: 'process.terminate',
      target: { pid },
      params: {},
      durationMs: 0,
    });
    faults.push(fault);
    expect(child.signalCode ?? (await new Promise((r) => child.once('exit', (_c, s) => r(s))))).toBe(
      'SIGTERM',
    );
    expect(fault.removeCommand).toMatch(
      /^true {2}# nothing to revert: pid \d+ got SIGTERM and is not managed by squall/,
    );
    await fault.revert();
    expect(logs.some((l) => l.includes('nothing to restart'))).toBe(true);
  });

  it('rejects an unknown signal and SIGSTOP for process.kill at validation', async () => {
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
    const err = await agent
      .inject({
        faultId: 'x',
        kind: 'process.kill',
        target: { pid: process.pid },
        params: { signal: 'SIGSTOP' },
        durationMs: 0,
      })
      .catch((e) => e);
    expect(err.code).toBe('SQUALL_SPEC_INVALID');
    expect(err.message).toContain('signal');
  });
});
