/**
 * `startCloudCluster`: the embedded cloud broker. A primary process (forked here) runs N aedes
 * workers behind one port, routes publishes between them and holds the cluster's sessions;
 * this module is the caller's handle on it.
 */
import { SquallError } from '../../engine/core/errors.js';
import { notExited } from '../../engine/core/processes.js';
import { entryPoint, forkEntry } from '../entry.js';
import type { ControllerToPrimary, PrimaryOptions, PrimaryToController, WorkerInfo } from './protocol.js';

export interface CloudClusterOptions {
  /** MQTT port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; loopback by default, `0.0.0.0` inside a lab namespace. */
  host?: string;
  /** aedes worker processes (default 2). */
  workers?: number;
  /** Prometheus endpoint port; 0 (default) picks a free one. */
  metricsPort?: number;
  metricsHost?: string;
  /** aedes heartbeat (default 5000 ms): wills of a dead worker's clients fire after ~4 beats. */
  heartbeatIntervalMs?: number;
  /** Replace workers that die (default true). */
  restartWorkers?: boolean;
  /** How long to wait for every worker to listen (default 20 s). */
  startTimeoutMs?: number;
  /** Command prefix for the primary (and so its workers), e.g. `ip netns exec <ns>` in lab mode. */
  wrapper?: readonly string[];
  /** Per-tenant publish rate across the cluster (tenant-bulkhead.ts); default unlimited. */
  tenantLimitPerS?: number;
}

export interface CloudCluster {
  readonly host: string;
  readonly port: number;
  /** `mqtt://host:port` */
  readonly url: string;
  /** Aggregated Prometheus metrics; append `/worker/<index>` for one worker's. */
  readonly metricsUrl: string;
  primaryPid(): number | undefined;
  /** Worker PIDs by index (0 while a replacement starts). */
  workerPids(): number[];
  workers(): WorkerInfo[];
  /** Signals worker `index` (SIGKILL by default); resolves with the killed PID and the replacement's once it listens. */
  killWorker(index: number, signal?: NodeJS.Signals): Promise<{ killedPid: number; replacementPid?: number }>;
  /** Prometheus text: aggregated, or one worker's. Over IPC, so it works inside a lab namespace too. */
  metrics(worker?: number): Promise<string>;
  /** The primary's command line, for leftover hints. */
  readonly argv: readonly string[];
  /** Resolves when every worker listens. */
  whenAllReady(timeoutMs?: number): Promise<void>;
  /** Resolves when the primary exits (stopped or killed). */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

export async function startCloudCluster(options: CloudClusterOptions = {}): Promise<CloudCluster> {
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new SquallError(
      'SQUALL_USAGE',
      `cloud cluster: workers must be a positive integer, got ${workers}`,
    );
  }
  const primaryOptions: PrimaryOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    workers,
    metricsPort: options.metricsPort ?? 0,
    metricsHost: options.metricsHost ?? options.host ?? '127.0.0.1',
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5000,
    restartWorkers: options.restartWorkers ?? true,
    ...(options.tenantLimitPerS && { tenantLimitPerS: options.tenantLimitPerS }),
  };
  const entry = entryPoint(import.meta.url, './primary');
  const child = forkEntry(entry, {
    env: { ...process.env, SQUALL_CLOUD_OPTIONS: JSON.stringify(primaryOptions) },
    ...(options.wrapper && { wrapper: options.wrapper }),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let infos: WorkerInfo[] = [];
  const listeners = new Set<() => void>();
  const replies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;

  child.on('message', (msg: PrimaryToController) => {
    if (msg.t === 'workers' || msg.t === 'ready') {
      infos = msg.workers;
      for (const l of listeners) l();
    } else if (msg.t === 'reply') {
      const waiter = replies.get(msg.id);
      replies.delete(msg.id);
      if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
      else waiter?.resolve(msg.value);
    }
  });
  void exited.then(() => {
    for (const w of replies.values()) w.reject(new Error('cloud cluster primary exited'));
    replies.clear();
  });

  const ready = await new Promise<Extract<PrimaryToController, { t: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new SquallError('SQUALL_PROCESS_FAILED', 'cloud cluster did not become ready in time'));
    }, options.startTimeoutMs ?? 20_000);
    child.on('message', (msg: PrimaryToController) => {
      if (msg.t === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (msg.t === 'fatal') {
        clearTimeout(timer);
        reject(new SquallError('SQUALL_PROCESS_FAILED', `cloud cluster failed: ${msg.message}`));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new SquallError('SQUALL_PROCESS_FAILED', `cloud cluster primary exited (code ${child.exitCode})`),
      );
    });
  });

  const request = (build: (id: number) => ControllerToPrimary): Promise<unknown> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      replies.set(id, { resolve, reject });
      child.send(build(id));
    });
  };

  const waitFor = (predicate: () => boolean, timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      const check = () => {
        if (!predicate()) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new SquallError('SQUALL_PROCESS_FAILED', `cloud cluster: timed out waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
    });

  const allReady = () => infos.length === workers && infos.every((w) => w.ready);

  return {
    host: ready.host,
    port: ready.port,
    url: `mqtt://${ready.host}:${ready.port}`,
    metricsUrl: `http://${primaryOptions.metricsHost}:${ready.metricsPort}/metrics`,
    exited,
    primaryPid: () => (notExited(child) ? child.pid : undefined),
    // By index, whatever the primary reported: a worker being replaced shows as 0.
    workerPids: () =>
      Array.from({ length: workers }, (_, i) => {
        const w = infos.find((x) => x.index === i);
        return w?.ready ? w.pid : 0;
      }),
    workers: () => infos.map((w) => ({ ...w })),
    async killWorker(index, signal = 'SIGKILL') {
      const killedPid = (await request((id) => ({ t: 'kill-worker', id, index, signal }))) as number;
      if (!primaryOptions.restartWorkers || signal === 'SIGSTOP') return { killedPid };
      const replaced = () => infos.some((w) => w.index === index && w.ready && w.pid !== killedPid);
      await waitFor(replaced, 20_000, `a replacement for worker ${index}`);
      return { killedPid, replacementPid: infos.find((w) => w.index === index)?.pid };
    },
    argv: [...(options.wrapper ?? []), process.execPath, ...entry.execArgv, entry.file],
    metrics: async (worker) =>
      (await request((id) => ({ t: 'metrics', id, ...(worker !== undefined && { worker }) }))) as string,
    whenAllReady: (timeoutMs = 20_000) => waitFor(allReady, timeoutMs, 'all workers'),
    async stop() {
      if (!notExited(child)) return;
      const hardKill = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        await request((id) => ({ t: 'stop', id }));
      } catch {
        // The primary died mid-stop; the exit below is what matters.
      }
      await exited;
      clearTimeout(hardKill);
    },
  };
}
