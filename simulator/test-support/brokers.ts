/**
 * Real brokers for integration tests, on port 0 / a free port, torn down by the caller:
 * aedes in this process (MQTT 3.1.1 only: aedes 1.x refuses protocol level 5 with CONNACK 1)
 * and Debian's mosquitto as a child process (3.1.1 and 5, shared subscriptions).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes, type AedesOptions } from 'aedes';
import { freePort, waitForPort } from '../../engine/core/ports.js';

export interface TestBroker {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface AedesBroker extends TestBroker {
  aedes: Aedes;
  /** Open client connections, for forcing disconnects from the broker side. */
  sockets: Set<net.Socket>;
}

export async function startAedes(options: AedesOptions = {}): Promise<AedesBroker> {
  const aedes = await Aedes.createBroker(options);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    aedes,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const hasMosquitto = (): boolean => existsSync(MOSQUITTO_BIN);
/** mosquitto's dynamic-security plugin (Debian package `mosquitto`): ACLs that refuse SUBSCRIBE. */
export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export interface MosquittoBroker extends TestBroker {
  process: ChildProcess;
  /** Stops (SIGTERM, or SIGKILL for a crash) and starts again on the same port; in-memory sessions are lost. */
  restart(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts mosquitto with a generated config in a temp dir; `extraConfig` lines are appended
 * (a function gets the temp dir, for lines naming `files` written there, e.g. an `acl_file`).
 * `user: 'root'` keeps it from dropping privileges (so it can read files in our temp dir).
 */
export async function startMosquitto(
  extraConfig: string[] | ((dir: string) => string[]) = [],
  options: { user?: string; files?: Record<string, string> } = {},
): Promise<MosquittoBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'squall-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), text);
  const extra = typeof extraConfig === 'function' ? extraConfig(dir) : extraConfig;
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 100000',
      'max_inflight_messages 0',
      'log_dest none',
      // As root, mosquitto drops to user 'mosquitto', which cannot read files in our 0700 temp dir.
      ...(options.user ? [`user ${options.user}`] : []),
      ...extra,
      '',
    ].join('\n'),
  );
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    await waitForPort('127.0.0.1', port, {
      timeoutMs: 5000,
      gone: () => (child.exitCode !== null ? `mosquitto exited: ${stderr}` : undefined),
      intervalMs: 25,
    });
  };
  await launch();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return {
    host: '127.0.0.1',
    port,
    get process() {
      return child;
    },
    async restart(signal) {
      await stop(signal);
      await launch();
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
