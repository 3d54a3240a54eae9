/**
 * Shared pieces of the fleet benchmarks: a broker in its own process (so its memory and CPU
 * are not charged to the clients), child processes per variant (fair: each measures from its
 * own clean heap), and the results file writer.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptsConnections, freePort } from '../engine/core/ports.js';
import { waitUntil } from '../engine/core/wait.js';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** bench/ in the repository (sources, results), also when running the compiled dist/bench/*.js. */
export const BENCH_SRC_DIR = BENCH_DIR.replace(/[\\/]dist[\\/]bench$/, '/bench');
const RESULTS_DIR = join(BENCH_SRC_DIR, 'results');

/** Re-runs this very file as a child with `--expose-gc`, passing `role` and args in env. */
export function forkSelf(file: string, role: string, env: Record<string, string> = {}): ChildProcess {
  return fork(file, [], {
    execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc'],
    env: { ...process.env, FLEET_BENCH_ROLE: role, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export function nextMessage<T>(child: ChildProcess, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child timed out')), timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}`));
    });
  });
}

export async function gcSettle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memMb: Math.round(totalmem() / 2 ** 20),
  };
}

export function writeResult(name: string, result: unknown): string {
  const path = join(RESULTS_DIR, `${name}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export interface BenchMosquitto {
  port: number;
  /** SIGKILL and start again on the same port: every client connection drops at once. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Debian's mosquitto with its open-files limit raised towards `openFiles` (capped by the hard
 * limit: 20,000 on this machine, so one mosquitto holds < 20k clients here).
 */
export async function startBenchMosquitto(openFiles: number): Promise<BenchMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'squall-bench-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_connections -1\n`,
  );
  let child: ChildProcess;
  const launch = async () => {
    // Raise the soft limit as far as the hard limit allows (containers may forbid more).
    const limit = `ulimit -n ${openFiles} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;
    child = spawn('sh', ['-c', `${limit}; exec /usr/sbin/mosquitto -c ${conf}`], { stdio: 'ignore' });
    const up = () => acceptsConnections('127.0.0.1', port);
    if (!(await waitUntil(up, { timeoutMs: 5000, intervalMs: 25 })))
      throw new Error('mosquitto did not start');
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    async restart() {
      await kill();
      await launch();
    },
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
