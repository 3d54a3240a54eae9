import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SquallError } from '../../engine/core/errors.js';
import { acceptsConnections, freePort } from '../../engine/core/ports.js';
import { hasExited, isStopped } from '../../engine/core/processes.js';
import { FIXTURES_DIR } from '../fixtures/fixtures-dir.js';
import {
  createManagedProcess,
  type ManagedProcessGroup,
  type ProcessExitEvent,
  startManagedProcesses,
} from './managed-processes.js';

const TCP_SERVER = join(FIXTURES_DIR, 'tcp-server.mjs');

const accepts = (port: number) => acceptsConnections('127.0.0.1', port);

describe('managed processes', () => {
  let logDir: string;
  let groups: ManagedProcessGroup[];
  const start = async (...args: Parameters<typeof startManagedProcesses>) => {
    const group = await startManagedProcesses(...args);
    groups.push(group);
    return group;
  };

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'squall-mp-'));
    groups = [];
  });
  afterEach(async () => {
    for (const g of groups) await g.stopAll();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('starts in order, waits for tcp readiness, logs output, and stops', async () => {
    const port = await freePort();
    const group = await start(
      {
        srv: {
          command: ['node', TCP_SERVER, String(port)],
          ready: { tcp: `127.0.0.1:${port}`, timeout: 5000 },
        },
        after: { command: ['node', '-e', 'console.error("to stderr"); setInterval(() => {}, 1000)'] },
      },
      { logDir },
    );
    const srv = group.processes.get('srv')!;
    expect(await accepts(port)).toBe(true);
    const pid = srv.pid()!;
    expect(hasExited(pid)).toBe(false);
    expect(srv.argv).toEqual(['node', TCP_SERVER, String(port)]);
    // No ready check: 'after' counts as up once spawned, so wait for its output before stopping.
    await expect.poll(() => group.processes.get('after')!.lastLines()).toContain('to stderr');

    await group.stopAll();
    expect(hasExited(pid)).toBe(true);
    expect(srv.pid()).toBeUndefined();
    expect(readFileSync(join(logDir, 'srv.log'), 'utf8')).toContain(`listening on ${port}`);
    expect(readFileSync(join(logDir, 'after.log'), 'utf8')).toContain('to stderr');
  });

  it('waits for an http ready check', async () => {
    const port = await freePort();
    const script = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const group = await start(
      {
        web: { command: ['node', '-e', script], ready: { http: `http://127.0.0.1:${port}/`, timeout: 5000 } },
      },
      { logDir },
    );
    expect(group.processes.get('web')!.running()).toBe(true);
  });

  it('fails with SQUALL_PROCESS_FAILED and the last log lines when not ready in time', async () => {
    const port = await freePort();
    // sh, not node: it prints at once even on a busy machine, so the log line is there in time.
    const err = (await start(
      {
        slow: {
          command: ['sh', '-c', 'echo booting slowly; exec sleep 30'],
          ready: { tcp: `127.0.0.1:${port}`, timeout: 400 },
        },
      },
      { logDir },
    ).catch((e) => e)) as SquallError;
    expect(err.code).toBe('SQUALL_PROCESS_FAILED');
    expect(err.message).toMatch(/did not become ready \(tcp 127\.0\.0\.1:\d+\) within 400ms/);
    expect(err.message).toContain('| booting slowly');
  });

  it('fails when the process exits before it is ready, and stops the ones already started', async () => {
    const port = await freePort();
    let first: number | undefined;
    const err = (await start(
      {
        ok: { command: ['node', '-e', 'setInterval(() => {}, 1000)'], ready: { delay: 50 } },
        crash: {
          command: ['node', '-e', 'console.error("fatal: no config"); process.exit(3)'],
          ready: { tcp: `127.0.0.1:${port}` },
        },
      },
      { logDir, log: (m) => (first ??= Number(/pid (\d+)/.exec(m)?.[1])) },
    ).catch((e) => e)) as SquallError;
    expect(err.code).toBe('SQUALL_PROCESS_FAILED');
    expect(err.message).toContain("process 'crash' exited (code 3, signal null) before it was ready");
    expect(err.message).toContain('fatal: no config');
    expect(hasExited(first!)).toBe(true);
  });

  it('fails when the command does not exist', async () => {
    const err = (await start({ nope: { command: ['/nonexistent/squall-binary'] } }, { logDir }).catch(
      (e) => e,
    )) as SquallError;
    expect(err.code).toBe('SQUALL_PROCESS_FAILED');
    expect(err.message).toContain('ENOENT');
  });

  it('reports an unexpected exit, and restart() brings it back', async () => {
    const exits: ProcessExitEvent[] = [];
    const group = await start(
      { w: { command: ['node', '-e', 'console.log("up"); setInterval(() => {}, 1000)'] } },
      { logDir, onUnexpectedExit: (e) => exits.push(e) },
    );
    const w = group.processes.get('w')!;
    const pid = w.pid()!;
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => exits.length).toBe(1);
    expect(exits[0]).toMatchObject({ name: 'w', pid, code: null, signal: 'SIGKILL' });
    expect(w.pid()).toBeUndefined();

    await w.restart();
    expect(w.pid()).not.toBe(pid);
    expect(hasExited(w.pid()!)).toBe(false);
    await w.restart(); // running: a no-op
    await group.stopAll();
    expect(exits).toHaveLength(1); // stopping is not unexpected
  });

  it('stopAll continues a paused process and SIGKILLs one that ignores SIGTERM', async () => {
    const stubborn = createManagedProcess(
      'stubborn',
      {
        command: [
          'node',
          '-e',
          'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)',
        ],
      },
      { logDir, stopGraceMs: 300 },
    );
    const group = await start({ p: { command: ['node', '-e', 'setInterval(() => {}, 1000)'] } }, { logDir });
    try {
      await stubborn.start();
      // Let the SIGTERM handler install before we rely on it being ignored.
      await expect.poll(() => stubborn.lastLines()).toContain('ready');
      const paused = group.processes.get('p')!.pid()!;
      process.kill(paused, 'SIGSTOP');
      await expect.poll(() => isStopped(paused)).toBe(true);

      const stubbornPid = stubborn.pid()!;
      const t0 = performance.now();
      await Promise.all([group.stopAll(), stubborn.stop()]);
      expect(hasExited(paused)).toBe(true);
      expect(hasExited(stubbornPid)).toBe(true);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    } finally {
      await stubborn.stop();
    }
  });
});
