/**
 * `squall testbed down` / `status` from any shell: reads the state files `startTestbed` writes,
 * asks a live owner to stop (SIGTERM, its own clean stop), and otherwise removes what the state
 * names: processes (checked against /proc so a recycled PID is never killed), the lab prefix's
 * namespaces, temp dirs. Lab runs whose owner died without a state file are found by prefix.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pidExists, procArgv } from '../engine/core/processes.js';
import { waitUntil } from '../engine/core/wait.js';
import { isRoot } from './lab/ip.js';
import { destroyLab, findLabLeftovers } from './lab/topology.js';
import { removeFromSharedDir } from './shared-dir.js';
import { TESTBED_STATE_DIR, type TestbedState } from './state.js';

export interface TeardownReport {
  id: string;
  /** `owner-stopped`: the owner stopped itself; `forced`: we removed its leftovers. */
  how: 'owner-stopped' | 'forced';
  killedPids: number[];
  removedNetns: string[];
  removedDirs: string[];
}

export async function readTestbedStates(stateDir = TESTBED_STATE_DIR): Promise<TestbedState[]> {
  const files = await readdir(stateDir).catch(() => [] as string[]);
  const states: TestbedState[] = [];
  for (const f of files.filter((f) => f.endsWith('.json'))) {
    try {
      states.push(JSON.parse(await readFile(path.join(stateDir, f), 'utf8')) as TestbedState);
    } catch {
      // Half-written by a crash: its lab prefix (if any) is still found by findLabLeftovers.
    }
  }
  return states;
}

/** True when `pid` still runs one of our programs (node or mosquitto), not a recycled PID. */
function isOurs(pid: number): boolean {
  return /node|mosquitto|tsx/.test(procArgv(pid).join(' '));
}

/** Tears down one run (by id) or every run in `stateDir`, then any orphaned lab prefix. */
export async function testbedDown(
  options: { id?: string; stateDir?: string; ownerTimeoutMs?: number } = {},
): Promise<TeardownReport[]> {
  const stateDir = options.stateDir ?? TESTBED_STATE_DIR;
  const states = (await readTestbedStates(stateDir)).filter((s) => !options.id || s.id === options.id);
  const reports: TeardownReport[] = [];
  for (const state of states) {
    const statePath = path.join(stateDir, `${state.id}.json`);
    const report: TeardownReport = {
      id: state.id,
      how: 'forced',
      killedPids: [],
      removedNetns: [],
      removedDirs: [],
    };
    if (state.ownerPid !== process.pid && pidExists(state.ownerPid) && isOurs(state.ownerPid)) {
      process.kill(state.ownerPid, 'SIGTERM');
      const gone = () => !pidExists(state.ownerPid);
      if (await waitUntil(gone, { timeoutMs: options.ownerTimeoutMs ?? 15_000, intervalMs: 50 }))
        report.how = 'owner-stopped';
    }
    // Whatever the owner left (or everything, when it died without stopping).
    for (const pid of state.pids) {
      if (pidExists(pid) && isOurs(pid)) {
        process.kill(pid, 'SIGKILL');
        report.killedPids.push(pid);
      }
    }
    if (state.labPrefix && isRoot()) {
      const cleanup = await destroyLab(state.labPrefix);
      report.killedPids.push(...cleanup.killedPids);
      report.removedNetns.push(...cleanup.netns);
    }
    for (const dir of state.dirs) {
      const existed = await readdir(dir).then(
        () => true,
        () => false,
      );
      await rm(dir, { recursive: true, force: true });
      if (existed) report.removedDirs.push(dir);
    }
    await removeFromSharedDir(stateDir, path.basename(statePath));
    reports.push(report);
  }
  if (!options.id && isRoot()) {
    for (const prefix of await findLabLeftovers()) {
      const cleanup = await destroyLab(prefix);
      reports.push({
        id: prefix,
        how: 'forced',
        killedPids: cleanup.killedPids,
        removedNetns: cleanup.netns,
        removedDirs: [],
      });
    }
  }
  return reports;
}
