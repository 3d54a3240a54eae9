/**
 * One shard's child process (shard-child.ts): fork it, hand it its engine input, relay its
 * messages, tell the fleet when it dies unasked, and stop it gracefully (SIGKILL after 15 s).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeviceEngineInput } from './engine-config.js';
import type { ShardMessage } from './shard-protocol.js';

export interface ShardProcessEvents {
  /** Every message but `ready`. */
  onMessage(msg: ShardMessage): void;
  /** The child exited while nobody was stopping it. */
  onCrash(exitCode: number | null, signal: NodeJS.Signals | null): void;
  /** True once the fleet stops this shard: its exit is then no crash. */
  stopping(): boolean;
}

function shardEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/shard-process\.(ts|js)$/, 'shard-child.$1');
}

/** Forks the shard and resolves once its engine is built (`ready`); rejects if it dies first. */
export function spawnShardProcess(
  index: number,
  engine: DeviceEngineInput,
  events: ShardProcessEvents,
): { child: ChildProcess; ready: Promise<void> } {
  const entry = shardEntry();
  const child = fork(entry, [], {
    execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m) => {
      const msg = m as ShardMessage;
      if (msg.t === 'ready') resolve();
      else events.onMessage(msg);
    });
    child.once('exit', (exitCode, signal) => {
      if (events.stopping()) return;
      events.onCrash(exitCode, signal);
      reject(new Error(`shard ${index} exited before it was ready (${signal ?? `exit code ${exitCode}`})`));
    });
  });
  child.send({ t: 'init', engine: { ...engine, onMessage: undefined } });
  return { child, ready };
}

/**
 * Asks the shard to stop gracefully (its devices disconnect, it sends its last reading and
 * `stopped`) and resolves when it has exited; SIGKILL if it has not said `stopped` within 15 s.
 */
export function stopShardProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('message', (m) => {
      if ((m as ShardMessage).t === 'stopped') {
        clearTimeout(timer);
        child.disconnect();
      }
    });
    child.send({ t: 'stop', graceful: true });
  });
}
