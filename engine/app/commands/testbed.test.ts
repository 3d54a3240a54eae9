/**
 * `squall testbed up` then `down` leaves nothing behind: no process, namespace, nft table, temp
 * dir or state file — after a clean stop, and after `up` was killed -9 (lab mode, root only).
 * `up` runs as a real child process with the CLI's signal handling.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRoot, listNetns, listNftTables } from '../../../testbed/lab/ip.js';
import { TESTBED_STATE_DIR, type TestbedState } from '../../../testbed/testbed.js';
import { pidExists, procStat } from '../../core/processes.js';
import { waitUntil } from '../../core/wait.js';
import type { CliIO } from '../cli/command.js';
import { testbedCommand } from './testbed.js';

let upProcess: ChildProcess | undefined;
let upId: string | undefined;

afterEach(async () => {
  upProcess?.kill('SIGKILL');
  if (upId) await testbedCommand.run(['down', '--id', upId], io().io);
  upProcess = undefined;
  upId = undefined;
});

function io(): { io: CliIO; out: () => string } {
  let out = '';
  return {
    io: {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: () => true },
      cwd: process.cwd(),
      env: {},
    },
    out: () => out,
  };
}

/** Starts `squall testbed up <args>`; resolves with its id once it says it is running. */
async function startUp(args: string[]): Promise<{ id: string; output: () => string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      import.meta.resolve('tsx'),
      path.join(import.meta.dirname, '../../../testbed/test-support/testbed-up-main.ts'),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  upProcess = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`up did not start: ${output}`)), 40_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('running;')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`up exited ${code}: ${output}`));
    });
  });
  const id = /^testbed (sq[0-9a-f]{4}) /.exec(output)?.[1];
  if (!id) throw new Error(`no testbed id in: ${output}`);
  upId = id;
  return { id, output: () => output };
}

/** The process tree under `pid` (from /proc), so "no process left" covers grandchildren too. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const ppid = procStat(Number(entry))?.ppid;
    // Undefined for one that exited while we looked.
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

async function expectNothingLeft(id: string, pids: number[], dirs: string[]) {
  await waitUntil(() => !pids.some(pidExists), { timeoutMs: 2000, intervalMs: 50 });
  expect(pids.filter(pidExists)).toEqual([]);
  expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  expect(existsSync(path.join(TESTBED_STATE_DIR, `${id}.json`))).toBe(false);
  if (isRoot()) {
    expect((await listNetns()).filter((n) => n.startsWith(id))).toEqual([]);
    expect((await listNftTables()).filter((t) => t.includes(id))).toEqual([]);
  }
}

const readState = (id: string) =>
  JSON.parse(readFileSync(path.join(TESTBED_STATE_DIR, `${id}.json`), 'utf8')) as TestbedState;

describe('squall testbed', () => {
  it('words the testbed option errors as the flags typed, before starting anything', async () => {
    await expect(testbedCommand.run(['up', '--broker', 'nats'], io().io)).rejects.toMatchObject({
      code: 'SQUALL_USAGE',
      message: "--broker: expected aedes or mosquitto, got 'nats'",
    });
    await expect(testbedCommand.run(['up', '--gateways', 'x'], io().io)).rejects.toThrow(
      "--gateways must be a whole number, got 'x'",
    );
  });

  it('up (loopback, aedes, standby) then down leaves no process, temp dir or state file', async () => {
    const { id, output } = await startUp(['--workers', '2', '--gateways', '2', '--standby']);
    expect(output()).toMatch(/cloud\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output()).toMatch(/cloud-standby\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output()).toMatch(/edge-2\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(output()).toMatch(
      /fault targets: cloud-broker=\d+ cloud-worker-0=\d+ cloud-worker-1=\d+ cloud-standby=\d+ edge-1=\d+ edge-2=\d+/,
    );
    const state = readState(id);
    const pids = [upProcess!.pid!, ...descendants(upProcess!.pid!)];
    // up, primary, 2 workers, standby primary and its worker, 2 gateways
    expect(pids.length).toBeGreaterThanOrEqual(8);
    expect(state.pids).toContain(state.processes!['cloud-standby']);
    const status = io();
    await testbedCommand.run(['status'], status.io);
    expect(status.out()).toContain(`${id} (loopback) running`);
    expect(status.out()).toMatch(/cloud-standby\s+mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(status.out()).toMatch(/processes cloud-broker=\d+ .*cloud-standby=\d+/);

    const down = io();
    expect(await testbedCommand.run(['down', '--id', id], down.io)).toBe(0);
    expect(down.out()).toContain(`${id}: stopped by its owner`);
    await expectNothingLeft(id, pids, state.dirs);
    const again = io();
    await testbedCommand.run(['down', '--id', id], again.io);
    expect(again.out()).toContain('no testbed to stop');
  });

  it.skipIf(!isRoot())(
    'up --lab --broker mosquitto --standby, killed -9, then down removes every leftover (root)',
    async () => {
      const { id, output } = await startUp([
        '--lab',
        '--broker',
        'mosquitto',
        '--gateways',
        '2',
        '--standby',
      ]);
      expect(output()).toContain(`[netns ${id}-cloud-1, 10.77.0.2]`);
      expect(output()).toContain(`[netns ${id}-cloud-2, 10.77.0.3]`);
      expect(output()).toMatch(/fault targets: cloud-broker=\d+ cloud-standby=\d+ edge-1=\d+/);
      expect(output()).toContain(`[netns ${id}-edge-2, 10.77.0.12]`);
      const state = readState(id);
      expect(state.labPrefix).toBe(id);
      const pids = [upProcess!.pid!, ...descendants(upProcess!.pid!)];
      // A crash: nothing gets to clean up after itself.
      upProcess!.kill('SIGKILL');
      await new Promise((r) => upProcess!.once('exit', r));
      // sw, cloud-1, cloud-2, edge-1, edge-2
      expect((await listNetns()).filter((n) => n.startsWith(id)).length).toBe(5);

      const down = io();
      await testbedCommand.run(['down', '--id', id], down.io);
      expect(down.out()).toContain(`${id}: removed leftovers`);
      await expectNothingLeft(id, pids, state.dirs);
    },
  );
});
