/**
 * `startEdgeGateway`: an edge gateway in its own process (so a fault can kill -9 it), with a
 * data directory and a device port that stay the same across restarts: a restarted gateway
 * resumes its disk queue and its devices reconnect where they were.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SquallError } from '../../engine/core/errors.js';
import type { ManagedProcess } from '../../engine/core/faults.js';
import { livePid, notExited, reaped, stopChild } from '../../engine/core/processes.js';
import { entryPoint, forkEntry } from '../entry.js';
import type { EdgeGatewayOptions, EdgeGatewayStats } from './gateway.js';
import type { GatewayMessage, GatewayRequest } from './gateway-main.js';

export interface StartEdgeGatewayOptions extends Omit<EdgeGatewayOptions, 'dataDir'> {
  /** Queue directory; a temp dir (removed by `stop`) when omitted. */
  dataDir?: string;
  startTimeoutMs?: number;
  /**
   * Run the gateway under this command prefix, e.g. `['ip', 'netns', 'exec', 'sq1-edge-1']` in
   * lab mode. The node binary and its arguments follow it.
   */
  wrapper?: readonly string[];
}

export interface EdgeGatewayHandle {
  readonly name: string;
  /** Device-facing broker URL. */
  readonly url: string;
  readonly port: number;
  readonly metricsUrl: string;
  readonly dataDir: string;
  readonly argv: readonly string[];
  pid(): number | undefined;
  stats(): Promise<EdgeGatewayStats>;
  /** Signals the gateway (SIGKILL by default) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and queue, if it is not running. */
  restart(): Promise<void>;
  asManagedProcess(): ManagedProcess;
  /** Stops the gateway; removes the data dir if this handle created it. Idempotent. */
  stop(): Promise<void>;
}

export async function startEdgeGateway(options: StartEdgeGatewayOptions): Promise<EdgeGatewayHandle> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), `squall-${options.name}-`)));
  const entry = entryPoint(import.meta.url, './gateway-main');
  const argv = [...(options.wrapper ?? []), process.execPath, ...entry.execArgv, entry.file];
  let port = options.port ?? 0;
  let metricsPort = options.metricsPort ?? 0;
  let child: ChildProcess | undefined;
  let stopped = false;
  let nextId = 1;
  const replies = new Map<number, (value: unknown) => void>();
  const running = () => notExited(child);

  const launch = async () => {
    const gatewayOptions: EdgeGatewayOptions = { ...options, dataDir, port, metricsPort };
    const env = { ...process.env, SQUALL_EDGE_OPTIONS: JSON.stringify(gatewayOptions) };
    const proc = forkEntry(entry, { env, ...(options.wrapper && { wrapper: options.wrapper }) });
    child = proc;
    proc.on('message', (msg: GatewayMessage) => {
      if (msg.t === 'reply') {
        replies.get(msg.id)?.(msg.value);
        replies.delete(msg.id);
      }
    });
    const ready = await new Promise<Extract<GatewayMessage, { t: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(
          new SquallError('SQUALL_PROCESS_FAILED', `edge gateway ${options.name} did not start in time`),
        );
      }, options.startTimeoutMs ?? 15_000);
      proc.on('message', (msg: GatewayMessage) => {
        if (msg.t === 'ready') {
          clearTimeout(timer);
          resolve(msg);
        } else if (msg.t === 'fatal') {
          clearTimeout(timer);
          reject(new SquallError('SQUALL_PROCESS_FAILED', `edge gateway ${options.name}: ${msg.message}`));
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new SquallError('SQUALL_PROCESS_FAILED', `edge gateway ${options.name} exited (${signal ?? code})`),
        );
      });
    });
    // Keep the ports: devices and scrapers find a restarted gateway where it was.
    port = ready.port;
    metricsPort = ready.metricsPort;
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    if (!proc || !running()) return;
    await stopChild(proc, { signal });
  };

  try {
    await launch();
  } catch (err) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const host = options.host ?? '127.0.0.1';

  const handle: EdgeGatewayHandle = {
    name: options.name,
    get url() {
      return `mqtt://${host}:${port}`;
    },
    get port() {
      return port;
    },
    get metricsUrl() {
      return `http://${options.metricsHost ?? host}:${metricsPort}/metrics`;
    },
    dataDir,
    argv,
    pid: () => livePid(child),
    stats() {
      const proc = child;
      if (!proc || !running()) {
        return Promise.reject(
          new SquallError('SQUALL_PROCESS_FAILED', `edge gateway ${options.name} is not running`),
        );
      }
      const id = nextId++;
      return new Promise((resolve) => {
        replies.set(id, resolve as (v: unknown) => void);
        proc.send({ t: 'stats', id } satisfies GatewayRequest);
      });
    },
    kill,
    async restart() {
      if (stopped) throw new SquallError('SQUALL_PROCESS_FAILED', `edge gateway ${options.name} was stopped`);
      await reaped(child);
      if (!running()) await launch();
    },
    asManagedProcess: () => ({ name: options.name, argv, pid: handle.pid, restart: handle.restart }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
