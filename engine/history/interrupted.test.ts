/**
 * The sweep for runs whose process died, against real processes: one that exited, this test's
 * own (alive), this pid with another start time (a reused pid), and a run on another host.
 * A dead run whose journal has `run.end` is completed from it rather than marked interrupted.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/history-synthetic.js';
import type { RunStartEvent } from '../core/journal-events.js';
import { sweepInterrupted } from './interrupted.js';
import { listRuns } from './list-runs.js';
import { isProcessAlive, ownProcessIdentity, processIdentity } from './process-identity.js';
import { startedRunRow } from './rows.js';
import { openHistory } from './store.js';
import type { StartedRunRow } from './types.js';
import { recordStart } from './write.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'reports', 'fixtures');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-history-sweep-'));
  dirs.push(dir);
  return dir;
}

/** A process that has come and gone (and been reaped): its identity as it was while it ran. */
async function deadProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const identity = processIdentity(child.pid!);
  expect(isProcessAlive(identity)).toBe(true);
  child.kill('SIGKILL');
  await once(child, 'exit');
  return identity;
}

const row = (id: string, extra: Partial<StartedRunRow>): StartedRunRow => ({
  ...syntheticRun({ id, experiment: 'e', startedAtMs: 1000, breached: false, events: 9 }).start,
  host: hostname(),
  journalPath: `/nonexistent/${id}/journal.jsonl`,
  ...extra,
});

describe('sweepInterrupted', () => {
  it('marks running rows whose process is gone or is not theirs; leaves live and remote ones', async () => {
    const store = openHistory(join(scratch(), 'history.db'));
    const dead = await deadProcess();
    const own = ownProcessIdentity();
    expect(own.start).not.toBeNull();
    recordStart(store.db, row('dead', { pid: dead.pid, pidStart: dead.start }));
    recordStart(store.db, row('alive', { pid: own.pid, pidStart: own.start }));
    recordStart(store.db, row('reused-pid', { pid: own.pid, pidStart: 'another-boot:12345' }));
    recordStart(store.db, row('remote', { pid: dead.pid, pidStart: dead.start, host: 'another-host' }));

    const swept = sweepInterrupted(store.db);
    expect(swept.interrupted.sort()).toEqual(['dead', 'reused-pid']);
    expect(swept.completed).toEqual([]);
    const states = Object.fromEntries(listRuns(store.db).map((r) => [r.runId, [r.state, r.outcome]]));
    expect(states).toEqual({
      dead: ['interrupted', 'interrupted'],
      'reused-pid': ['interrupted', 'interrupted'],
      alive: ['running', null],
      remote: ['running', null],
    });
    // Swept once: the next reader finds nothing to do.
    expect(sweepInterrupted(store.db)).toEqual({ interrupted: [], completed: [] });
    store.close();
  });

  it('completes a dead run from its journal when the journal says it ended', async () => {
    const work = scratch();
    const run = join(work, 'run');
    cpSync(join(FIXTURES, 'demo-breach'), run, { recursive: true });
    const journalPath = join(run, 'journal.jsonl');
    const start = JSON.parse(readFileSync(journalPath, 'utf8').split('\n')[0]!) as RunStartEvent;
    const dead = await deadProcess();
    const store = openHistory(join(work, 'history.db'));
    recordStart(
      store.db,
      startedRunRow(start, {
        journalPath,
        reportDir: run,
        recordedBy: 'run',
        host: hostname(),
        pid: dead.pid,
        pidStart: dead.start,
      }),
    );
    expect(sweepInterrupted(store.db)).toEqual({ interrupted: [], completed: [start.runId] });
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    expect(listRuns(store.db)[0]).toMatchObject({
      state: 'finished',
      outcome: summary.outcome,
      exitCode: summary.exitCode,
      endedAt: summary.endedAt,
    });
    store.close();
  });
});
