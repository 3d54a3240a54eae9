/**
 * The process helpers on real processes: a zombie tells the three meanings of alive apart, and
 * stopChild escalates to SIGKILL only for a child that ignores its signal.
 * Needs: /proc (Linux), /bin/sh and sleep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hasExited,
  isRunning,
  isStopped,
  livePid,
  notExited,
  pidExists,
  procArgv,
  procState,
  stopChild,
} from './processes.js';
import { waitUntil } from './wait.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function start(script: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return child;
}

/** A zombie nobody reaps: `sleep 0`'s parent becomes `sleep 30`, which never waits for it. */
async function zombie(): Promise<number> {
  const parent = start('sleep 0 & echo $!; exec sleep 30');
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  expect(await waitUntil(() => procState(pid) === 'Z', { timeoutMs: 5000 })).toBe(true);
  return pid;
}

describe('alive, in three meanings', () => {
  it('a running process exists, runs and has not exited', async () => {
    const child = start('exec sleep 30');
    await once(child, 'spawn');
    const pid = child.pid!;
    expect(await waitUntil(() => procArgv(pid)[0] === 'sleep', { timeoutMs: 5000 })).toBe(true);
    expect({ exists: pidExists(pid), running: isRunning(pid), exited: hasExited(pid) }).toEqual({
      exists: true,
      running: true,
      exited: false,
    });
    expect(livePid(child)).toBe(pid);
  });

  it('a zombie still has its pid, but neither runs nor holds anything', async () => {
    const pid = await zombie();
    expect({ exists: pidExists(pid), running: isRunning(pid), exited: hasExited(pid) }).toEqual({
      exists: true,
      running: false,
      exited: true,
    });
  });

  it('a reaped process is gone in every meaning', async () => {
    const child = start('exit 0');
    await once(child, 'exit');
    const pid = child.pid!;
    expect({ exists: pidExists(pid), running: isRunning(pid), exited: hasExited(pid) }).toEqual({
      exists: false,
      running: false,
      exited: true,
    });
    expect(notExited(child)).toBe(false);
    expect(livePid(child)).toBeUndefined();
    expect(procArgv(pid)).toEqual([]);
  });
});

describe('stopChild', () => {
  it('stops with the signal asked for, without escalating', async () => {
    const child = start('exec sleep 30');
    await once(child, 'spawn');
    let escalated = false;
    await stopChild(child, { signal: 'SIGINT', graceMs: 5000, onEscalate: () => (escalated = true) });
    expect(child.signalCode).toBe('SIGINT');
    expect(escalated).toBe(false);
  });

  it('sends SIGKILL after the grace to a child that ignores its signal, and says so', async () => {
    const child = start("trap '' TERM; echo ready; while :; do sleep 1; done");
    await once(child.stdout!, 'data');
    let escalated = false;
    const started = performance.now();
    await stopChild(child, { graceMs: 200, onEscalate: () => (escalated = true) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(child.signalCode).toBe('SIGKILL');
    expect(escalated).toBe(true);
  });

  it('continues a paused child first, so it acts on SIGTERM', async () => {
    const child = start('exec sleep 30');
    await once(child, 'spawn');
    child.kill('SIGSTOP');
    expect(await waitUntil(() => isStopped(child.pid!), { timeoutMs: 5000 })).toBe(true);
    let escalated = false;
    await stopChild(child, { graceMs: 5000, continueFirst: true, onEscalate: () => (escalated = true) });
    expect(child.signalCode).toBe('SIGTERM');
    expect(escalated).toBe(false);
  });

  it('returns at once for a child that has already exited', async () => {
    const child = start('exit 3');
    await once(child, 'exit');
    await stopChild(child);
    expect(child.exitCode).toBe(3);
  });
});
