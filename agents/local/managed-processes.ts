/**
 * The experiment's `system.processes`: started in declaration order (each waits for its ready
 * check before the next starts, so later ones may depend on earlier ones), output appended to
 * `<logDir>/<name>.log`, restartable by `process.*` faults, stopped with SIGCONT → SIGTERM →
 * SIGKILL. A process that exits while nobody asked it to is reported to `onUnexpectedExit`
 * (including exits caused by a `process.kill` fault: the runner correlates them with its faults).
 * Each one dies with the squall process that started it, `kill -9` included (`tied-spawn.ts`),
 * and is not started when its ready address already answers (`ready-check.ts`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { ManagedProcess } from '../../engine/core/faults.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../../engine/core/private-files.js';
import { notExited, procState, stopChild } from '../../engine/core/processes.js';
import type { ManagedProcessSpec } from '../../engine/spec/schema.js';
import { answeringBefore, waitReady } from './ready-check.js';
import { findExecutable, killOnExit, tiedArgv } from './tied-spawn.js';

export type ManagedProcessConfig = z.output<typeof ManagedProcessSpec>;

/** A process exit nobody asked for. */
export interface ProcessExitEvent {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  logFile: string;
  lastLines: string[];
}

export interface ManagedProcessOptions {
  /** Directory for `<name>.log`; created if missing. */
  logDir: string;
  /** Resolves relative `cwd`s (normally the experiment file's directory). Default: process.cwd(). */
  baseDir?: string;
  onUnexpectedExit?: (event: ProcessExitEvent) => void;
  /** Time between SIGTERM and SIGKILL when stopping. Default 5000. */
  stopGraceMs?: number;
  /** Ready-check timeout when the spec gives none. Default 10000. */
  readyTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface LocalManagedProcess extends ManagedProcess {
  readonly logFile: string;
  running(): boolean;
  /** Spawns it and waits for its ready check; SQUALL_PROCESS_FAILED (with its last log lines) if not ready. */
  start(): Promise<void>;
  /** SIGCONT, SIGTERM, then SIGKILL after the grace period; resolves when it has exited. */
  stop(): Promise<void>;
  /** The last lines it wrote (stdout and stderr interleaved). */
  lastLines(): string[];
}

export interface ManagedProcessGroup {
  readonly processes: Map<string, LocalManagedProcess>;
  stopAll(): Promise<void>;
}

const LAST_LINES = 20;
const TAIL_CHARS = 8192;

export function createManagedProcess(
  name: string,
  config: ManagedProcessConfig,
  options: ManagedProcessOptions,
): LocalManagedProcess {
  const logFile = join(options.logDir, `${name}.log`);
  const log = options.log ?? (() => {});
  const argv = config.command;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stream: WriteStream | undefined;
  let tail = '';
  // Exits we caused (stop, failed ready check) are not reported as unexpected.
  const expectedExits = new WeakSet<ChildProcess>();

  const lastLines = () => tail.split('\n').filter(Boolean).slice(-LAST_LINES);
  const record = (data: Buffer) => {
    stream?.write(data);
    tail = (tail + data.toString('utf8')).slice(-TAIL_CHARS);
  };
  const failure = (message: string, cause?: unknown) =>
    new SquallError(
      'SQUALL_PROCESS_FAILED',
      `${message}; last lines of ${logFile}:\n${lastLines()
        .map((l) => `  | ${l}`)
        .join('\n')}`,
      cause === undefined ? undefined : { cause },
    );

  const stopProcess = async (c: ChildProcess) => {
    expectedExits.add(c);
    const done = exited;
    await stopChild(c, {
      signal: 'SIGTERM',
      graceMs: stopGraceMs,
      continueFirst: true,
      onEscalate: () =>
        log(`process '${name}' pid ${c.pid} ignored SIGTERM for ${stopGraceMs}ms; sending SIGKILL`),
    });
    // `exited` resolves once its exit handler has recorded the exit.
    await done;
  };

  const self: LocalManagedProcess = {
    name,
    argv,
    logFile,
    pid: () => (notExited(child) ? child.pid : undefined),
    running: () => notExited(child),
    lastLines,

    async start() {
      if (notExited(child)) return;
      makePrivateDir(options.logDir);
      stream ??= createWriteStream(logFile, { flags: 'a', mode: PRIVATE_FILE_MODE });
      const taken = await answeringBefore(config.ready);
      if (taken)
        throw failure(`process '${name}' was not started: ${taken}; stop it or give '${name}' another port`);
      const cwd = resolve(options.baseDir ?? process.cwd(), config.cwd ?? '.');
      const env = { ...process.env, ...config.env };
      // Resolved here, not by setpriv: a missing command fails start() as spawn's ENOENT would.
      const file = findExecutable(argv[0]!, env.PATH, cwd);
      if (!file)
        throw failure(`process '${name}' could not start (${argv.join(' ')}): spawn ${argv[0]} ENOENT`);
      const [tool, ...args] = tiedArgv(file, argv.slice(1), log);
      const c = spawn(tool!, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      killOnExit(c);
      child = c;
      // Exits before ready are failures of start(), not unexpected exits.
      expectedExits.add(c);
      c.stdout?.on('data', record);
      c.stderr?.on('data', record);
      exited = new Promise((resolveExit) =>
        c.once('exit', (code, sig) => {
          stream?.write(`--- squall: '${name}' pid ${c.pid} exited (code ${code}, signal ${sig}) ---\n`);
          if (child === c) child = undefined;
          if (!expectedExits.has(c)) {
            log(`process '${name}' pid ${c.pid} exited unexpectedly (code ${code}, signal ${sig})`);
            options.onUnexpectedExit?.({
              name,
              pid: c.pid!,
              code,
              signal: sig,
              logFile,
              lastLines: lastLines(),
            });
          }
          resolveExit();
        }),
      );
      try {
        await once(c, 'spawn');
      } catch (err) {
        child = undefined;
        throw failure(
          `process '${name}' could not start (${argv.join(' ')}): ${(err as Error).message}`,
          err,
        );
      }
      stream.write(`--- squall: started '${name}' pid ${c.pid} at ${new Date().toISOString()} ---\n`);
      log(`process '${name}' started, pid ${c.pid}`);

      const early = exited.then(
        () => `exited (code ${c.exitCode}, signal ${c.signalCode}) before it was ready`,
      );
      const abort = new AbortController();
      const problem = await Promise.race([
        early,
        waitReady(config.ready, options.readyTimeoutMs ?? 10_000, abort.signal),
      ]);
      abort.abort();
      if (problem) {
        await stopProcess(c);
        throw failure(`process '${name}' ${problem}`);
      }
      expectedExits.delete(c);
      log(`process '${name}' ready`);
    },

    async restart() {
      const c = child;
      if (notExited(c)) {
        // Killed but not reaped yet (a process.kill revert right after its inject): wait for the exit.
        const state = procState(c.pid!);
        if (state !== undefined && state !== 'Z') return;
        await Promise.race([exited, delay(2000)]);
        if (notExited(child)) return;
      }
      await self.start();
    },

    async stop() {
      if (child) await stopProcess(child);
      const s = stream;
      stream = undefined;
      if (s) await new Promise<void>((done) => s.end(done));
    },
  };
  return self;
}

/** Starts every process in order; if one fails, stops those already started and rethrows. */
export async function startManagedProcesses(
  specs: Record<string, ManagedProcessConfig> | undefined,
  options: ManagedProcessOptions,
): Promise<ManagedProcessGroup> {
  const processes = new Map<string, LocalManagedProcess>();
  const stopAll = async () => {
    await Promise.allSettled([...processes.values()].map((p) => p.stop()));
  };
  for (const [name, config] of Object.entries(specs ?? {})) {
    const p = createManagedProcess(name, config, options);
    processes.set(name, p);
    try {
      await p.start();
    } catch (err) {
      await stopAll();
      throw err;
    }
  }
  return { processes, stopAll };
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
