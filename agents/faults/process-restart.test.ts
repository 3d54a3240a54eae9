/**
 * `process.restart` on real managed processes: the old pid is gone and a new one serves when
 * inject returns; a process that ignores SIGTERM is killed after `exitTimeout`; the revert
 * leaves a running process alone. Spawns node children on a free loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acceptsConnections, freePort } from '../../engine/core/ports.js';
import { hasExited } from '../../engine/core/processes.js';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';
import { createLocalAgent } from '../local/local-agent.js';
import { createManagedProcess, type LocalManagedProcess } from '../local/managed-processes.js';

const accepts = (port: number) => acceptsConnections('127.0.0.1', port);

describe('process.restart', () => {
  let dir: string;
  let managed: LocalManagedProcess[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-restart-'));
    managed = [];
  });
  afterEach(async () => {
    for (const m of managed) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (command: string[], port: number) => {
    const srv = createManagedProcess(
      'srv',
      { command, ready: { tcp: `127.0.0.1:${port}`, timeout: 5000 } },
      { logDir: dir },
    );
    managed.push(srv);
    await srv.start();
    return srv;
  };

  it('stops the process and starts it again before inject returns; revert leaves it running', async () => {
    const port = await freePort();
    const srv = await start(['node', join(FIXTURES_DIR, 'tcp-server.mjs'), String(port)], port);
    const oldPid = srv.pid()!;
    const agent = createLocalAgent({ processes: new Map([['srv', srv]]), proxies: new Map() });
    const fault = await agent.inject({
      faultId: 'r1',
      kind: 'process.restart',
      target: { process: 'srv' },
      params: {},
      durationMs: 0,
    });
    const newPid = srv.pid()!;
    expect(hasExited(oldPid)).toBe(true);
    expect(newPid).not.toBe(oldPid);
    expect(await accepts(port)).toBe(true);
    expect(fault.where).toBe(
      `local agent, process 'srv' pid ${oldPid} (restarted with SIGTERM, now pid ${newPid})`,
    );
    await fault.revert();
    expect(srv.pid()).toBe(newPid);
  });

  it('a process that ignores SIGTERM is killed after exitTimeout, then started again', async () => {
    const port = await freePort();
    const script = `process.on('SIGTERM', () => {}); require('node:net').createServer().listen(${port}, '127.0.0.1');`;
    const srv = await start(['node', '-e', script], port);
    const oldPid = srv.pid()!;
    const logs: string[] = [];
    const agent = createLocalAgent({
      processes: new Map([['srv', srv]]),
      proxies: new Map(),
      log: (m) => logs.push(m),
    });
    const began = Date.now();
    const fault = await agent.inject({
      faultId: 'r2',
      kind: 'process.restart',
      target: { process: 'srv' },
      params: { exitTimeout: '300ms' },
      durationMs: 0,
    });
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(hasExited(oldPid)).toBe(true);
    expect(srv.pid()).not.toBe(oldPid);
    expect(await accepts(port)).toBe(true);
    expect(logs.some((l) => l.includes('300ms after SIGTERM: SIGKILL'))).toBe(true);
    await fault.revert();
  });

  it('refuses a bare pid: only a managed process has an argv to start again', async () => {
    const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
    await expect(
      agent.inject({
        faultId: 'r3',
        kind: 'process.restart',
        target: { pid: process.pid },
        params: {},
        durationMs: 0,
      }),
    ).rejects.toMatchObject({ code: 'SQUALL_SPEC_INVALID' });
  });
});
