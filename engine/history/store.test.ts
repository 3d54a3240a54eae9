/**
 * The history database itself, real SQLite files in temp dirs: a database created at schema v1
 * (by the v1 migration alone, holding a run written with v1's columns) is upgraded when opened;
 * one from a newer squall is refused; four processes writing at once, into a v1 database they
 * all migrate on open, lose nothing.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/history-synthetic.js';
import { isSquallError } from '../core/errors.js';
import { openRunHistory } from './history.js';
import { MIGRATIONS, SCHEMA_VERSION, schemaVersionOf } from './migrations.js';
import { openHistory } from './store.js';
import { recordEnd, recordStart } from './write.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-history-store-'));
  dirs.push(dir);
  return dir;
}

/** A database as squall at schema v1 left it, with one finished run and its SLO rows. */
function v1Database(path: string): void {
  const v1 = openHistory(path, { schemaVersion: 1 });
  expect(schemaVersionOf(v1.db)).toBe(1);
  v1.db
    .prepare(
      `INSERT INTO runs (id, experiment, file, vars_json, host, started_at, ended_at, state, outcome,
         exit_code, score, journal_path, recorded_by)
       VALUES ('old-run', 'demo-latency', '/x/demo.yaml', '{"latency":"150ms"}', 'ci-1', 1000, 9000,
         'finished', 'passed', 0, 100, '/runs/old/journal.jsonl', 'run')`,
    )
    .run();
  v1.db.prepare(`INSERT INTO run_tags VALUES ('old-run', 'ci')`).run();
  const slo = v1.db.prepare(
    `INSERT INTO slo_results (run_id, slo, window_name, own_window, position, sli, objective, unit,
       expect, status, value, good, total, budget_consumed, burn_rate, allowed_bad)
     VALUES ('old-run', 'available', ?, ?, 0, 'success_ratio', '>= 99%', 'ratio', 'met', 'met', ?, ?, ?, 0, 0, ?)`,
  );
  slo.run('run', 1, 1, 40, 40, 0.4);
  slo.run('fault', 0, 1, 10, 10, 0.4);
  v1.close();
}

describe('history database', () => {
  it('upgrades a database created at schema v1, keeping its runs', () => {
    expect(SCHEMA_VERSION).toBeGreaterThan(1);
    const path = join(scratch(), 'history.db');
    v1Database(path);
    const columnsAtV1 = (new Database(path).pragma('table_info(runs)') as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columnsAtV1).not.toContain('suite');

    const history = openRunHistory(path);
    const raw = new Database(path, { readonly: true });
    expect(schemaVersionOf(raw)).toBe(SCHEMA_VERSION);
    raw.close();
    const old = history.getRun('old-run');
    expect(old).toMatchObject({
      runId: 'old-run',
      experiment: 'demo-latency',
      vars: { latency: '150ms' },
      tags: ['ci'],
      state: 'finished',
      outcome: 'passed',
      suite: null,
      durationMs: 8000,
    });
    expect(old.slos).toEqual([
      expect.objectContaining({ name: 'available', window: 'run', status: 'met', allowedBad: 0.4 }),
    ]);
    expect(old.slos[0]!.windows.map((w) => [w.window, w.good, w.total])).toEqual([
      ['run', 40, 40],
      ['fault', 10, 10],
    ]);
    // What v2 added works on the upgraded file.
    const { start, end } = syntheticRun({
      id: 'suite-run',
      experiment: 'demo-latency',
      startedAtMs: 2000,
      breached: false,
      events: 30,
    });
    const store = openHistory(path);
    recordEnd(store.db, { ...start, suite: 'gameday', suiteDir: '/runs/gameday' }, end);
    store.close();
    expect(history.listRuns({ suite: 'gameday' }).map((r) => r.runId)).toEqual(['suite-run']);
    expect(history.listRuns({ experiment: 'demo-latency' }).map((r) => r.runId)).toEqual([
      'suite-run',
      'old-run',
    ]);
    history.close();
  });

  it('refuses a database a newer squall wrote (SQUALL_HISTORY_TOO_NEW), and leaves it as it was', () => {
    const path = join(scratch(), 'history.db');
    openHistory(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    let error: unknown;
    try {
      openHistory(path);
    } catch (err) {
      error = err;
    }
    expect(isSquallError(error) && error.code).toBe('SQUALL_HISTORY_TOO_NEW');
    expect((error as Error).message).toContain(path);
    const after = new Database(path, { readonly: true });
    expect(schemaVersionOf(after)).toBe(SCHEMA_VERSION + 1);
    after.close();
  });

  it('is private (0600) with its WAL, in a 0700 directory it creates', () => {
    const path = join(scratch(), 'deeper', 'history.db');
    const store = openHistory(path);
    const { start, end } = syntheticRun({
      id: 'r',
      experiment: 'e',
      startedAtMs: 1,
      breached: false,
      events: 9,
    });
    recordEnd(store.db, start, end);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    for (const file of [path, `${path}-wal`, `${path}-shm`])
      expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    expect((statSync(join(path, '..')).mode & 0o777).toString(8)).toBe('700');
    store.close();
  });

  it('four processes writing at once (and migrating the v1 file they all open) lose nothing', async () => {
    const path = join(scratch(), 'history.db');
    v1Database(path);
    const writers = 4;
    const perWriter = 150;
    const script = join(import.meta.dirname, 'test-support', 'write-runs.ts');
    const children = Array.from({ length: writers }, (_, w) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, path, `w${w}`, String(perWriter)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      return once(child, 'exit').then(([code]) => ({ code, out }));
    });
    const results = await Promise.all(children);
    for (const r of results) expect(r, r.out).toEqual({ code: 0, out: `wrote ${perWriter}\n` });

    const db = new Database(path, { readonly: true });
    expect(schemaVersionOf(db)).toBe(SCHEMA_VERSION);
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    expect(count(`SELECT COUNT(*) FROM runs WHERE id LIKE 'w%'`)).toBe(writers * perWriter);
    expect(count(`SELECT COUNT(*) FROM runs WHERE id LIKE 'w%' AND state = 'finished'`)).toBe(
      writers * perWriter,
    );
    const sloRowsPerRun = syntheticRun({
      id: 'x',
      experiment: 'e',
      startedAtMs: 0,
      breached: false,
      events: 30,
    }).end.slos.length;
    expect(count(`SELECT COUNT(*) FROM slo_results WHERE run_id LIKE 'w%'`)).toBe(
      writers * perWriter * sloRowsPerRun,
    );
    expect(count(`SELECT COUNT(*) FROM run_tags WHERE run_id LIKE 'w%'`)).toBe(writers * perWriter * 2);
    // The run from before the upgrade is still there.
    expect(count(`SELECT COUNT(*) FROM runs WHERE id = 'old-run'`)).toBe(1);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    db.close();
  }, 60_000);
});

describe('recordStart', () => {
  it('keeps the first row for a run id (a start recorded twice is one run)', () => {
    const store = openHistory(join(scratch(), 'history.db'));
    const { start } = syntheticRun({
      id: 'same',
      experiment: 'e',
      startedAtMs: 5,
      breached: false,
      events: 9,
    });
    expect(recordStart(store.db, start)).toBe(true);
    expect(recordStart(store.db, { ...start, experiment: 'other' })).toBe(false);
    expect(store.db.prepare(`SELECT experiment FROM runs`).pluck().all()).toEqual(['e']);
    store.close();
  });
});
