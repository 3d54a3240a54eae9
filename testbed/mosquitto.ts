/**
 * mosquitto (the Debian package) as a second, real cloud broker: started with a generated
 * config in a temporary directory that `stop()` removes, on a free loopback port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SquallError } from '../engine/core/errors.js';
import type { ManagedProcess } from '../engine/core/faults.js';
import { freePort, waitForPort } from '../engine/core/ports.js';
import { notExited, stopChild } from '../engine/core/processes.js';

export interface MosquittoOptions {
  /** 0 (default): a free port, kept across restarts. */
  port?: number;
  host?: string;
  /** Keep sessions and queued QoS 1 messages on disk across restarts (default true). */
  persistence?: boolean;
  /** Path of the mosquitto binary (default /usr/sbin/mosquitto). */
  binary?: string;
  /** Extra config lines, appended verbatim. */
  extraConfig?: string[];
  startTimeoutMs?: number;
  /** Directory to create the temp dir in (default os.tmpdir()). */
  parentDir?: string;
  /** Command prefix, e.g. `ip netns exec <ns>` to run it on a lab host (needs an explicit port). */
  wrapper?: readonly string[];
}

export interface MosquittoBroker {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** The temp dir holding mosquitto.conf, the persistence file and the log. */
  readonly dir: string;
  readonly argv: readonly string[];
  pid(): number | undefined;
  /** Starts it again (same port, same persistence) if it is not running. */
  restart(): Promise<void>;
  /** Sends a signal (SIGKILL by default) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** This broker as a fault target. */
  asManagedProcess(name: string): ManagedProcess;
  /** Stops the broker and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';

/** The generated mosquitto.conf (mosquitto 2.x syntax). */
function mosquittoConfig(o: { host: string; port: number; dir: string; persistence: boolean }): string {
  return [
    `listener ${o.port} ${o.host}`,
    // Loopback or a lab namespace only: no credentials to manage in a testbed.
    'allow_anonymous true',
    // Started as root (lab mode): without this mosquitto drops to a user that cannot write `dir`.
    'user root',
    `persistence ${o.persistence}`,
    `persistence_location ${o.dir}/`,
    // Save every second so a kill -9 loses at most ~1 s of session state.
    'autosave_interval 1',
    // A partitioned edge or a slow sink must not make the broker drop QoS 1 messages early.
    'max_queued_messages 1000000',
    'max_inflight_messages 100',
    `log_dest file ${o.dir}/mosquitto.log`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    'connection_messages false',
    '',
  ].join('\n');
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const binary = options.binary ?? MOSQUITTO_BINARY;
  if (!existsSync(binary)) {
    throw new SquallError(
      'SQUALL_PROCESS_FAILED',
      `mosquitto not found at ${binary}; install it with: apt-get install mosquitto`,
    );
  }
  const host = options.host ?? '127.0.0.1';
  const dir = await mkdtemp(path.join(options.parentDir ?? tmpdir(), 'squall-mosquitto-'));
  const configPath = path.join(dir, 'mosquitto.conf');
  const wrapper = options.wrapper ?? [];
  const argv = [...wrapper, binary, '-c', configPath];
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let stopped = false;

  const running = () => notExited(child);

  const launch = async (): Promise<void> => {
    // mosquitto cannot bind port 0; a port probed free can be taken before it binds, so retry.
    const attempts = options.port || port ? 1 : 3;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (!options.port && (attempt > 0 || !port)) port = await freePort(host);
      const config = [
        mosquittoConfig({ host, port, dir, persistence: options.persistence ?? true }),
        ...(options.extraConfig ?? []),
      ].join('\n');
      await writeFile(configPath, config);
      const proc = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      proc.once('error', () => undefined);
      child = proc;
      try {
        const gone = () => (proc.exitCode === null ? undefined : 'process exited before it listened');
        const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host;
        // Inside a namespace the port is reachable only from there.
        await waitForPort(probeHost, port, {
          timeoutMs: options.startTimeoutMs ?? 10_000,
          gone,
          via: wrapper,
        });
        return;
      } catch (err) {
        proc.kill('SIGKILL');
        lastError = new Error(`${(err as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
      }
    }
    throw new SquallError(
      'SQUALL_PROCESS_FAILED',
      `mosquitto did not start: ${(lastError as Error).message}`,
      {
        cause: lastError,
      },
    );
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || !running()) return;
    await stopChild(proc, { signal });
  };

  try {
    await launch();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const broker: MosquittoBroker = {
    host,
    get port() {
      return port;
    },
    get url() {
      return `mqtt://${host}:${port}`;
    },
    dir,
    argv,
    pid: () => (running() ? child?.pid : undefined),
    async restart() {
      if (stopped) throw new SquallError('SQUALL_PROCESS_FAILED', 'mosquitto was stopped; start a new one');
      if (!running()) await launch();
    },
    kill,
    asManagedProcess: (name) => ({ name, argv, pid: broker.pid, restart: broker.restart }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return broker;
}
