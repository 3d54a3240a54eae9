/**
 * Test helper: real squall processes (`node --import tsx engine/app/cli/bin.ts ...`) the test can
 * signal, freeze and kill — an agent whose log is its stderr, or a runner. With `wrappers`, the
 * agent runs under that many small node processes, so the test can target the agent's parent
 * and grandparent without ever touching the test runner itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Experiment } from '../../engine/spec/schema.js';
import { findPackageRoot } from '../proto/load.js';
import { makeTestPki, type TestPki } from './pki.js';

export const ROOT = findPackageRoot();

/** Spawns the next argv with inherited stdio and mirrors its exit (code or signal). */
const WRAPPER = `const { spawn } = require('node:child_process');
const c = spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' });
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => c.kill(s));
c.on('exit', (code, sig) => (sig ? process.kill(process.pid, sig) : process.exit(code ?? 1)));`;

export interface SquallChild {
  child: ChildProcess;
  /** The squall process itself (under its wrappers, if any). */
  pid: number;
  /** Wrapper pids, outermost first. */
  wrappers: number[];
  /** The stdout line that matched `ready`. */
  line: string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) of the outermost process. */
  exited: Promise<number | string>;
}

/** The pids of `pid`'s children (kernel ≥ 3.5). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Runs `squall <args>`; resolves when a stdout line matches `ready`. */
export function startSquall(
  args: string[],
  ready: RegExp,
  options: { wrappers?: number; cwd?: string; prefix?: string[] } = {},
): Promise<SquallChild> {
  return startTs('engine/app/cli/bin.ts', args, ready, options);
}

/** Runs `node --import tsx <script> <args>` (script relative to the package root); resolves when a stdout line matches `ready`. */
export async function startTs(
  script: string,
  args: string[],
  ready: RegExp,
  options: { wrappers?: number; cwd?: string; prefix?: string[] } = {},
): Promise<SquallChild> {
  const squall = [process.execPath, '--import', 'tsx', join(ROOT, script), ...args];
  const argv = [...(options.prefix ?? [])];
  for (let i = 0; i < (options.wrappers ?? 0); i++) argv.push(process.execPath, '-e', WRAPPER);
  argv.push(...squall);
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (ready.test(l)) resolve(l);
    });
    void exited.then((code) =>
      reject(new Error(`${script} ${args[0] ?? ''} exited (${code}) before ready:\n${stderr}`)),
    );
  });
  const wrappers: number[] = [];
  let pid = child.pid!;
  for (let i = 0; i < (options.wrappers ?? 0); i++) {
    wrappers.push(pid);
    pid = childrenOf(pid)[0]!;
  }
  return { child, pid, wrappers, line, stderr: () => stderr, exited };
}

/** `squall agent` on 127.0.0.1:0 with mTLS from `pki` and the ledger under `dir`. */
export async function startChildAgent(
  pki: TestPki,
  dir: string,
  options: { policy?: string; config?: string; args?: string[]; wrappers?: number; prefix?: string[] } = {},
): Promise<SquallChild & { address: string }> {
  const args = [
    'agent',
    '--listen',
    '127.0.0.1:0',
    '--tls-ca',
    pki.ca,
    '--tls-cert',
    pki.agent.cert,
    '--tls-key',
    pki.agent.key,
    '--ledger',
    join(dir, 'ledger'),
    ...(options.policy ? ['--policy', options.policy] : []),
    ...(options.config ? ['--config', options.config] : []),
    ...(options.args ?? []),
  ];
  const started = await startSquall(args, /listening on/, options);
  return { ...started, address: /listening on (\S+)/.exec(started.line)![1]! };
}

/** The controller's TLS files for `connectAgent`. */
export const controllerTls = (pki: TestPki) => ({
  ca: pki.ca,
  cert: pki.controller.cert,
  key: pki.controller.key,
});

/** Sends `signal` to each pid, ignoring those already gone. */
export function signalAll(pids: readonly (number | undefined)[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      if (pid) process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** What the agent answered a request with: its refusal, INJECTED, or NO_ANSWER after `ms`. */
export function answerOf(p: Promise<unknown>, ms = 3000): Promise<{ code: string; message: string }> {
  return Promise.race([
    p.then(
      () => ({ code: 'INJECTED', message: 'the fault was injected' }),
      (e: { code: string; message: string }) => e,
    ),
    new Promise<{ code: string; message: string }>((resolve) =>
      setTimeout(() => resolve({ code: 'NO_ANSWER', message: `no answer in ${ms} ms` }), ms),
    ),
  ]);
}

/** A process's name as the kernel keeps it (/proc/<pid>/comm), or undefined when it is gone. */
export function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * A short experiment (loaded through the real schema) with one remote agent, `agent` (the test PKI's agent certificate name) at
 * `address` over mTLS from `pki`, and one fault (a YAML flow mapping without `at`, which is +0s).
 */
export function agentExperiment(name: string, address: string, pki: TestPki, fault: string): Experiment {
  return Experiment.parse(
    parseYaml(`apiVersion: squall/v1
kind: Experiment
metadata: { name: ${name} }
agents:
  agent: { address: "${address}", tls: { ca: "${pki.ca}", cert: "${pki.controller.cert}", key: "${pki.controller.key}" } }
phases: { preflight: 100ms, baseline: 100ms, recovery: 100ms }
faults:
  - { at: +0s, ${fault} }
`),
  );
}

/**
 * One throwaway PKI for a whole test file (making one costs seconds of RSA key generation):
 * call it at the file's top level, and call what it returns inside tests.
 */
export function filePki(): () => TestPki {
  let pki: TestPki | undefined;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => {
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });
  return () => pki!;
}
