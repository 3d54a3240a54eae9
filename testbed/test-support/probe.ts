/** Starts a probe (probe-main.ts) as a child process, optionally inside a lab namespace. */
import type { ChildProcess } from 'node:child_process';
import { entryPoint, forkEntry } from '../entry.js';
import type { ProbeConfig, ProbeReply, ProbeRequest } from './probe-main.js';

export interface Probe {
  readonly process: ChildProcess;
  request(t: ProbeRequest['t']): Promise<Extract<ProbeReply, { t: 'reply' }>>;
  kill(): void;
}

export async function startProbe(config: ProbeConfig, wrapper?: readonly string[]): Promise<Probe> {
  const child = forkEntry(entryPoint(import.meta.url, './probe-main'), {
    env: { ...process.env, SQUALL_PROBE: JSON.stringify(config) },
    ...(wrapper && { wrapper }),
  });
  let nextId = 1;
  const waiters = new Map<number, (r: Extract<ProbeReply, { t: 'reply' }>) => void>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`probe ${config.role} did not start`)), 15_000);
    child.on('message', (m: ProbeReply) => {
      if (m.t === 'ready') {
        clearTimeout(timer);
        resolve();
      } else {
        waiters.get(m.id)?.(m);
        waiters.delete(m.id);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`probe ${config.role} exited (${code})`));
    });
  });
  return {
    process: child,
    request(t) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiters.set(id, resolve);
        child.send({ t, id } satisfies ProbeRequest);
      });
    },
    kill: () => void child.kill('SIGKILL'),
  };
}
