/**
 * Test helper: the real `squall` CLI in a child process (`node --import tsx engine/app/cli/bin.ts`),
 * optionally under a wrapper such as `setpriv --reuid=nobody ...` or `ip netns exec ns`.
 * `runSquall` waits for the exit; `startSquallAgent` resolves once the agent says it listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../../engine/app/cli/command.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}engine/app/cli/bin.ts`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** An argv prefix: `setpriv ...`, `ip netns exec ns`. */
  wrap?: string[];
  cwd?: string;
  timeoutMs?: number;
  /**
   * Where the child's temporary files go (TMPDIR): tsx keeps its cache there, so a child run as
   * another user would otherwise leave a `tsx-<uid>` directory in the system temp dir.
   */
  tmpdir?: string;
}

const spawnOptions = (options: SpawnOptions) => ({
  cwd: options.cwd ?? ROOT,
  stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  env: options.tmpdir ? { ...process.env, TMPDIR: options.tmpdir } : process.env,
});

const argvFor = (args: string[], wrap: string[]) => {
  const node = [process.execPath, '--import', 'tsx', BIN, ...args];
  const all = [...wrap, ...node];
  return { file: all[0]!, rest: all.slice(1) };
};

/** Runs `squall ...args` to completion (killed after `timeoutMs`). */
export async function runSquall(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  const { file, rest } = argvFor(args, options.wrap ?? []);
  const child = spawn(file, rest, spawnOptions(options));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  return { code: code ?? (signal ? 128 : -1), stdout, stderr };
}

export interface RunningAgent {
  child: ChildProcess;
  /** The `host:port` (or `unix:path`) from the agent's "listening on" line. */
  address: string;
  /** Every stdout line so far. */
  stdout(): string[];
  stderr(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number>;
}

/** Starts `squall agent ...args`; resolves when it prints where it listens. */
export async function startSquallAgent(args: string[], options: SpawnOptions = {}): Promise<RunningAgent> {
  const { file, rest } = argvFor(['agent', ...args], options.wrap ?? []);
  const child = spawn(file, rest, spawnOptions(options));
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const lines: string[] = [];
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent did not start within ${options.timeoutMs ?? 30_000} ms:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const m = /listening on (\S+) /.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code}) before listening:\n${stderr}`));
    });
  });
  return {
    child,
    address,
    stdout: () => [...lines],
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code ?? -1;
    },
  };
}

/** In-process `main()` I/O that keeps what the command wrote (for `certs init` and the like). */
export function captureIo(cwd: string): CliIO & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (c: string) => out.push(c) },
    stderr: { write: (c: string) => err.push(c) },
    cwd,
    env: {},
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** The controller's TLS files in a `certs init` directory. */
export const controllerTlsIn = (certsDir: string) => ({
  ca: `${certsDir}/ca.pem`,
  cert: `${certsDir}/squall-controller.pem`,
  key: `${certsDir}/squall-controller.key`,
});

/** The `--tls-*` flags of agent `name` from a `certs init` directory. */
export const agentTlsFlags = (certsDir: string, name: string) => [
  '--tls-ca',
  `${certsDir}/ca.pem`,
  '--tls-cert',
  `${certsDir}/${name}.pem`,
  '--tls-key',
  `${certsDir}/${name}.key`,
];
