/**
 * The agent's own targets over gRPC: a process the agent spawned is killed and restarted on
 * revert; a process found by PID file is paused by name and resumed; proxies come from the
 * config too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectAgent } from '../../engine/controller/agent-connection.js';
import { hasExited, isStopped } from '../../engine/core/processes.js';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';
import { AgentConfigSchema, type AgentProcesses, startAgentProcesses } from './agent-config.js';
import { createAgentServer } from './agent-server.js';

describe('agent config targets', () => {
  let dir: string;
  const cleanup: (() => unknown)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-agent-config-'));
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills and restarts a managed process, pauses and resumes one found by PID file', async () => {
    const outside = spawn(process.execPath, [join(FIXTURES_DIR, 'ticker.mjs'), join(dir, 'outside.txt')], {
      stdio: 'ignore',
    });
    cleanup.push(() => outside.kill('SIGKILL'));
    writeFileSync(join(dir, 'outside.pid'), `${outside.pid}\n`);
    const config = AgentConfigSchema.parse({
      processes: {
        ticker: { command: [process.execPath, join(FIXTURES_DIR, 'ticker.mjs'), join(dir, 'ticks.txt')] },
        outside: { pidFile: join(dir, 'outside.pid') },
      },
    });
    const targets: AgentProcesses = await startAgentProcesses(config, {
      logDir: join(dir, 'logs'),
      log: () => {},
    });
    cleanup.push(() => targets.stopAll());
    const agent = createAgentServer({ ledgerDir: join(dir, 'ledger'), processes: targets.processes });
    cleanup.push(() => agent.close());
    // Plain text as root: only on a unix socket in a directory only we can open (mkdtemp: 0700).
    const socket = `unix:${join(dir, 'agent.sock')}`;
    await agent.listen(socket, { insecure: true });
    const c = await connectAgent('a', { address: socket, insecure: true });
    cleanup.push(() => c.close());

    const ticker = targets.processes.get('ticker')!;
    const firstPid = ticker.pid();
    const kill = await c.inject({
      faultId: 'k1',
      kind: 'process.kill',
      target: { process: 'ticker' },
      params: {},
      durationMs: 1000,
    });
    // Real state: the process is gone (the wrapper's own bookkeeping follows on its exit event).
    expect(hasExited(firstPid!)).toBe(true);
    await kill.revert();
    expect(ticker.pid()).toBeGreaterThan(0);
    expect(ticker.pid()).not.toBe(firstPid);
    expect(hasExited(ticker.pid()!)).toBe(false);

    const pause = await c.inject({
      faultId: 'p1',
      kind: 'process.pause',
      target: { process: 'outside' },
      params: {},
      durationMs: 1000,
    });
    expect(isStopped(outside.pid!)).toBe(true);
    await pause.revert();
    expect(isStopped(outside.pid!)).toBe(false);
  });

  it('rejects a process that is neither a command nor a PID file', () => {
    expect(AgentConfigSchema.safeParse({ processes: { x: { restart: ['true'] } } }).success).toBe(false);
  });
});
