/**
 * The testbed's processes as fault targets (`ManagedProcess`), by role name: `cloud-broker`,
 * `cloud-worker-<i>` (aedes mode), `cloud-standby` (with a standby), `edge-<i>`.
 * `process.kill` of a role kills that process; `restart()` brings it back where it was.
 */

import { SquallError } from '../engine/core/errors.js';
import type { ManagedProcess } from '../engine/core/faults.js';
import { isRunning } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import { type CloudCluster, type CloudClusterOptions, startCloudCluster } from './cloud/cluster.js';

/**
 * The aedes cloud cluster as a restartable whole. Killing `cloud-broker` (the primary) takes
 * its workers down with it and loses its in-memory sessions, as killing a single-process broker
 * would; `restart()` starts a fresh cluster on the same port.
 */
export class CloudBrokerSlot {
  #cluster: CloudCluster;
  readonly #options: CloudClusterOptions;

  constructor(
    cluster: CloudCluster,
    options: CloudClusterOptions,
    /** Role of the primary; a standby is one target (`cloud-standby`), its workers are not. */
    private readonly role: { name: string; workers: boolean } = { name: 'cloud-broker', workers: true },
  ) {
    this.#cluster = cluster;
    this.#options = { ...options, port: cluster.port };
  }

  get cluster(): CloudCluster {
    return this.#cluster;
  }

  async restart(): Promise<void> {
    if (this.#cluster.primaryPid() !== undefined) return;
    this.#cluster = await startCloudCluster(this.#options);
  }

  roles(): ManagedProcess[] {
    const broker: ManagedProcess = {
      name: this.role.name,
      argv: this.#cluster.argv,
      pid: () => this.#cluster.primaryPid(),
      restart: () => this.restart(),
    };
    if (!this.role.workers) return [broker];
    const workers = (this.#options.workers ?? 2) as number;
    const workerRoles = Array.from(
      { length: workers },
      (_, i): ManagedProcess => ({
        name: `cloud-worker-${i}`,
        argv: [...this.#cluster.argv, `(worker ${i})`],
        pid: () => {
          const pid = this.#cluster.workerPids()[i];
          return isRunning(pid) ? pid : undefined;
        },
        // The primary replaces a dead worker by itself; restart waits for that.
        restart: async () => {
          await this.restart();
          // The cached PID may still name the dead worker until the primary reports the exit.
          const running = () => isRunning(this.#cluster.workerPids()[i]);
          if (!(await waitUntil(running, { timeoutMs: 45_000, intervalMs: 50 })))
            throw new SquallError('SQUALL_PROCESS_FAILED', `timed out waiting for cloud-worker-${i}`);
        },
      }),
    );
    return [broker, ...workerRoles];
  }
}
