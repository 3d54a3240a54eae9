/**
 * Test helpers for the process-fault security tests: a fault request aimed at a pid or a name,
 * a sleeper with a chosen process name, an in-process agent with a policy, and the check that a
 * request was refused as protected with nothing stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type AgentConnection, connectAgent } from '../../engine/controller/agent-connection.js';
import { isStopped } from '../../engine/core/processes.js';
import { type AgentServer, createAgentServer, readTlsFiles } from '../server/agent-server.js';
import { parsePolicy } from '../server/policy.js';
import { answerOf, controllerTls } from './agent-child.js';
import type { TestPki } from './pki.js';

let n = 0;
export const fault = (kind: string, target: { pid: number } | { process: string }) => ({
  faultId: `self-${n++}`,
  kind,
  target,
  params: kind === 'process.pause' ? {} : { restart: false, exitTimeout: '300ms' },
  durationMs: 5000,
});

/** A sleeper whose comm is `name` (the kernel names a process after the file it executes). */
export function sleeperNamed(dir: string, name: string): ChildProcess {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, name))) symlinkSync('/bin/sleep', join(bin, name));
  return spawn(join(bin, name), ['30'], { stdio: 'ignore' });
}

export const notStopped = (pid: number) => !isStopped(pid);

/** Asks for `kind` on `pid` and checks the refusal, and that nothing was stopped. */
export async function expectRefused(c: AgentConnection, kind: string, pid: number, why: string) {
  const got = await answerOf(c.inject(fault(kind, { pid })));
  expect({ pid, stopped: !notStopped(pid) }).toEqual({ pid, stopped: false });
  expect(got.code).toBe('SQUALL_TARGET_PROTECTED');
  expect(got.message).toContain(why);
  expect(got.message).toContain('the agent never signals it, so nothing was done');
}

/** An in-process agent over mTLS with `policy`, and a session to it. */
export async function localAgent(pki: TestPki, ledgerDir: string, policy: unknown) {
  const agent: AgentServer = createAgentServer({ ledgerDir, policy: parsePolicy(policy) });
  const { port } = await agent.listen('127.0.0.1:0', {
    tls: readTlsFiles({ ca: pki.ca, cert: pki.agent.cert, key: pki.agent.key }),
  });
  const c = await connectAgent('agent', { address: `127.0.0.1:${port}`, tls: controllerTls(pki) });
  return {
    c,
    close: async () => {
      await c.close();
      await agent.close();
    },
  };
}
