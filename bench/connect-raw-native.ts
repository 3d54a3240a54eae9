/**
 * The C variants of bench:fleet-connect-raw (bench/native/connect-floor.c, one epoll loop, no
 * runtime): compiled here with `cc -O2` when a compiler exists, run as a child that prints its
 * result as one JSON line and keeps its sockets open until killed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_SRC_DIR } from './fleet-bench-support.js';

/** One variant's result. */
export interface Measured {
  variant: string;
  devices: number;
  connected: number;
  /** Attempts that failed (error or close before connected), retried. */
  errors: number;
  wallMs: number;
  connectsPerS: number;
  /** Client process CPU (user + system) from the first connect to the last. */
  cpuSeconds: number;
  connectsPerCoreS: number;
}

/** Compiles bench/native/connect-floor.c; undefined (with the reason printed) without a compiler. */
export function compileCFloor(): string | undefined {
  const out = join(mkdtempSync(join(tmpdir(), 'squall-connect-floor-')), 'connect-floor');
  const source = join(BENCH_SRC_DIR, 'native', 'connect-floor.c');
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', out, source], { stdio: 'pipe' });
    return out;
  } catch (err) {
    console.log(`C floor skipped: could not compile ${source} (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Runs one C variant; resolves when it has printed its result (the process keeps its sockets). */
export function runC(
  binary: string,
  variant: 'c-raw' | 'c-mqtt',
  port: number,
  load: { devices: number; inFlight: number; sources: readonly string[] },
): { child: ChildProcess; result: Promise<Measured> } {
  const { devices: DEVICES, inFlight: IN_FLIGHT, sources: SOURCES } = load;
  const mode = variant === 'c-raw' ? 'raw' : 'mqtt';
  const child = spawn(
    binary,
    [mode, '127.0.0.1', String(port), String(DEVICES), String(IN_FLIGHT), ...SOURCES],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const result = new Promise<Measured>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      const r = JSON.parse(out) as { connected: number; errors: number; wallMs: number; cpuSeconds: number };
      resolve({
        variant,
        devices: DEVICES,
        connected: r.connected,
        errors: r.errors,
        wallMs: Math.round(r.wallMs),
        connectsPerS: Math.round(r.connected / (r.wallMs / 1000)),
        cpuSeconds: r.cpuSeconds,
        connectsPerCoreS: Math.round(r.connected / r.cpuSeconds),
      });
    });
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
  });
  return { child, result };
}
