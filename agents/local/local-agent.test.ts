import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RollbackError, type SquallError } from '../../engine/core/errors.js';
import { freePort } from '../../engine/core/ports.js';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';
import { createFaultProxy, type FaultProxy } from '../proxy/fault-proxy.js';
import { createLocalAgent, type InjectRequest } from './local-agent.js';
import { createManagedProcess, type LocalManagedProcess } from './managed-processes.js';

const req = (over: Partial<InjectRequest>): InjectRequest => ({
  faultId: 'f1',
  kind: 'process.pause',
  target: {},
  params: {},
  durationMs: 1000,
  ...over,
});

describe('local agent', () => {
  let dir: string;
  let proxy: FaultProxy;
  let managed: LocalManagedProcess[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-la-'));
    proxy = createFaultProxy({ name: 'api', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' });
    managed = [];
  });
  afterEach(async () => {
    for (const m of managed) await m.stop();
    await proxy.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const agentWith = (processes: Map<string, LocalManagedProcess> = new Map()) =>
    createLocalAgent({ processes, proxies: new Map([['api', proxy]]) });
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: SquallError) => e,
    );

  it('an unknown kind is SQUALL_FAULT_UNKNOWN with a suggestion', async () => {
    const err = (await codeOf(
      agentWith().inject(req({ kind: 'process.pasue', target: { pid: 1 } })),
    )) as SquallError;
    expect(err.code).toBe('SQUALL_FAULT_UNKNOWN');
    expect(err.message).toContain("did you mean 'process.pause'");
    expect(err.message).toContain('proxy.latency');
  });

  it('a missing target is SQUALL_TARGET_NOT_FOUND naming what exists', async () => {
    const srv = createManagedProcess('broker', { command: ['node', '-e', ''] }, { logDir: dir });
    const agent = agentWith(new Map([['broker', srv]]));
    let err = (await codeOf(agent.inject(req({ target: { process: 'brokr' } })))) as SquallError;
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');
    expect(err.message).toBe(
      "no managed process 'brokr' (did you mean 'broker'?); system.processes has: broker",
    );

    err = (await codeOf(agent.inject(req({ kind: 'proxy.down', target: { proxy: 'db' } })))) as SquallError;
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');
    expect(err.message).toContain('system.proxies has: api');

    err = (await codeOf(agent.inject(req({ target: { pidFile: join(dir, 'none.pid') } })))) as SquallError;
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');

    // A pid that has just exited.
    const child = spawn('true');
    await new Promise((r) => child.once('exit', r));
    err = (await codeOf(agent.inject(req({ target: { pid: child.pid! } })))) as SquallError;
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');

    err = (await codeOf(agent.inject(req({ target: { agent: 'cloud-1', pid: 1 } })))) as SquallError;
    expect(err.code).toBe('SQUALL_TARGET_NOT_FOUND');
  });

  it('a target without the keys the driver needs is SQUALL_SPEC_INVALID', async () => {
    const err = (await codeOf(agentWith().inject(req({ target: { proxy: 'api' } })))) as SquallError;
    expect(err.code).toBe('SQUALL_SPEC_INVALID');
    expect(err.message).toContain('process.pause needs target.process, target.pid, target.pidFile');
  });

  it('a driver failure is SQUALL_FAULT_INJECT_FAILED', async () => {
    // Declared but not running (never started): the driver has no pid to signal.
    const idle = createManagedProcess('idle', { command: ['node', '-e', ''] }, { logDir: dir });
    const err = (await codeOf(
      agentWith(new Map([['idle', idle]])).inject(req({ target: { process: 'idle' } })),
    )) as SquallError;
    expect(err.code).toBe('SQUALL_FAULT_INJECT_FAILED');
    expect(err.message).toContain("process 'idle' is not running");
  });

  it('a revert that fails is SQUALL_ROLLBACK_FAILED, and revertAll reports the leftover', async () => {
    // The fixture refuses a second start (marker file), so the restart in the revert fails for real.
    const port = await freePort();
    const srv = createManagedProcess(
      'once',
      {
        command: ['node', join(FIXTURES_DIR, 'tcp-server.mjs'), String(port), join(dir, 'marker')],
        ready: { tcp: `127.0.0.1:${port}`, timeout: 2000 },
      },
      { logDir: dir },
    );
    managed.push(srv);
    await srv.start();
    const agent = agentWith(new Map([['once', srv]]));
    const fault = await agent.inject(req({ kind: 'process.kill', target: { process: 'once' } }));

    const err = (await codeOf(fault.revert())) as SquallError;
    expect(err.code).toBe('SQUALL_ROLLBACK_FAILED');
    expect(err.message).toContain('remove with: node ');
    expect(agent.active().map((f) => f.faultId)).toEqual(['f1']);

    const rollback = (await codeOf(agent.revertAll())) as RollbackError;
    expect(rollback).toBeInstanceOf(RollbackError);
    expect(rollback.leftovers).toMatchObject([
      { faultId: 'f1', kind: 'process.kill', where: expect.stringContaining("process 'once'") },
    ]);
    expect(rollback.leftovers[0]!.error).toContain('refusing to start again');
  });
});
