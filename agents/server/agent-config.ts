/**
 * The agent's own targets (`squall agent --config agent.yaml`): processes it can signal and
 * restart, and fault proxies it hosts. A process is either spawned and managed by the agent
 * (`command`, restarted by the agent after a kill) or an existing one found by PID file and
 * restarted by a command (`pidFile` + `restart`, an argv: never a shell string).
 *
 * ```yaml
 * processes:
 *   broker: { command: [mosquitto, -c, /etc/mosquitto/mosquitto.conf], ready: { tcp: 127.0.0.1:1883 } }
 *   nginx: { pidFile: /run/nginx.pid, restart: [systemctl, restart, nginx] }
 * proxies:
 *   api: { listen: 127.0.0.1:18080, upstream: 127.0.0.1:8080 }
 * ```
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SquallError } from '../../engine/core/errors.js';
import type { ManagedProcess } from '../../engine/core/faults.js';
import { hasExited } from '../../engine/core/processes.js';
import { ManagedProcessSpec, ProxySpec } from '../../engine/spec/schema.js';
import { run } from '../faults/exec.js';
import { readPidFile } from '../faults/pid-file.js';
import { createManagedProcess, type LocalManagedProcess } from '../local/managed-processes.js';

const PidFileProcess = z.strictObject({
  pidFile: z.string().min(1),
  /** The argv that starts it again after a kill (e.g. [systemctl, restart, nginx]); omit for none. */
  restart: z.array(z.string()).min(1).optional(),
});

export const AgentConfigSchema = z.strictObject({
  processes: z.record(z.string(), z.union([ManagedProcessSpec, PidFileProcess])).default({}),
  proxies: z.record(z.string(), ProxySpec).default({}),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export function loadAgentConfig(path: string): AgentConfig {
  let input: unknown;
  try {
    input = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `cannot read agent config ${path}: ${(err as Error).message}`);
  }
  const parsed = AgentConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new SquallError('SQUALL_USAGE', `${path}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A process found by PID file; restarted with its `restart` argv. */
function pidFileProcess(
  name: string,
  spec: z.infer<typeof PidFileProcess>,
  log: (m: string) => void,
): ManagedProcess {
  const readPid = () => {
    try {
      const pid = readPidFile(spec.pidFile);
      return hasExited(pid) ? undefined : pid;
    } catch {
      return undefined; // no pid file (yet), or not one: the process is not running
    }
  };
  return {
    name,
    argv: spec.restart ?? [],
    pid: readPid,
    async restart() {
      if (readPid() !== undefined) return;
      if (!spec.restart) {
        log(`process '${name}' has no restart command in the agent config; not restarting`);
        return;
      }
      await run(spec.restart, { timeoutMs: 60_000 });
    },
  };
}

export interface AgentProcesses {
  processes: Map<string, ManagedProcess>;
  stopAll(): Promise<void>;
}

/** Starts the managed processes (all or none) and wraps the PID-file ones. */
export async function startAgentProcesses(
  config: AgentConfig,
  options: { logDir: string; log: (message: string) => void },
): Promise<AgentProcesses> {
  const processes = new Map<string, ManagedProcess>();
  const started: LocalManagedProcess[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((p) => p.stop()));
  };
  for (const [name, spec] of Object.entries(config.processes)) {
    if ('pidFile' in spec) {
      processes.set(name, pidFileProcess(name, spec, options.log));
      continue;
    }
    const p = createManagedProcess(name, spec, { logDir: options.logDir, log: options.log });
    try {
      await p.start();
    } catch (err) {
      await stopAll();
      throw err;
    }
    started.push(p);
    processes.set(name, p);
  }
  return { processes, stopAll };
}
