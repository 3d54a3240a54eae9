/**
 * A testbed service as its own process: forked from an entry point with its options in the
 * environment, ready once it reports the port it bound over IPC, and a fault target by name
 * (`process.kill` / `process.pause` act on its PID; `restart()` brings it back on the same port,
 * so whoever calls it finds it where it was).
 */
import type { ChildProcess } from 'node:child_process';
import { SquallError } from '../../engine/core/errors.js';
import type { ManagedProcess } from '../../engine/core/faults.js';
import { livePid, notExited, reaped, stopChild } from '../../engine/core/processes.js';
import { type EntryPoint, forkEntry } from '../entry.js';

/** What a service entry sends its parent once it listens (or could not). */
export type ServiceMessage = { t: 'ready'; port: number } | { t: 'fatal'; message: string };

export interface ServiceProcessOptions {
  /** Role name, e.g. `ingest`: the fault target and the log prefix. */
  name: string;
  entry: EntryPoint;
  /** Environment variable the entry reads its options from (JSON). */
  optionsVar: string;
  /** The entry's options; `port` is filled in with the bound port for restarts. */
  options: { port: number } & Record<string, unknown>;
  startTimeoutMs?: number;
}

export interface ServiceProcess {
  readonly name: string;
  /** The port it listens on (kept across restarts). */
  readonly port: number;
  pid(): number | undefined;
  asManagedProcess(): ManagedProcess;
  /** SIGTERM, SIGKILL after 3 s. Idempotent; no restart after it. */
  stop(): Promise<void>;
}

export async function startServiceProcess(o: ServiceProcessOptions): Promise<ServiceProcess> {
  let port = o.options.port;
  let child: ChildProcess | undefined;
  let stopped = false;
  const running = () => notExited(child);

  const launch = async () => {
    const env = { ...process.env, [o.optionsVar]: JSON.stringify({ ...o.options, port }) };
    const proc = forkEntry(o.entry, { env });
    child = proc;
    const ready = await new Promise<number>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new SquallError('SQUALL_PROCESS_FAILED', `testbed service ${o.name}: ${why}`));
      };
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        fail('did not start in time');
      }, o.startTimeoutMs ?? 15_000);
      proc.on('message', (msg: ServiceMessage) => {
        if (msg.t === 'ready') {
          clearTimeout(timer);
          resolve(msg.port);
        } else if (msg.t === 'fatal') fail(msg.message);
      });
      proc.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    });
    port = ready;
  };

  const kill = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || !running()) return;
    await stopChild(proc, { signal });
  };

  await launch();
  const argv = [process.execPath, ...o.entry.execArgv, o.entry.file];
  const pid = () => livePid(child);
  return {
    name: o.name,
    get port() {
      return port;
    },
    pid,
    asManagedProcess: () => ({
      name: o.name,
      argv,
      pid,
      async restart() {
        if (stopped) throw new SquallError('SQUALL_PROCESS_FAILED', `testbed service ${o.name} was stopped`);
        await reaped(child);
        if (!running()) await launch();
      },
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
    },
  };
}
