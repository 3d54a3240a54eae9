/**
 * `squall history import` of the recorded journals in reports/fixtures/* (real runs: a pass, a
 * breach, a guard abort, an infrastructure error, a fleet run, a journal cut short), into real
 * SQLite files: every run's rows match its summary.json, importing twice adds nothing, a row
 * left running is completed, and what is not a run directory fails alone.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../reports/summary.js';
import { main } from '../app/cli/main.js';
import { io } from '../app/test-support/cli-io.js';
import type { RunStartEvent } from '../core/journal-events.js';
import { openRunHistory } from './history.js';
import type { ImportResult } from './import.js';
import { startedRunRow } from './rows.js';
import { openHistory } from './store.js';
import { recordStart } from './write.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'reports', 'fixtures');
const fixtureDirs = readdirSync(FIXTURES)
  .map((name) => join(FIXTURES, name))
  .filter((p) => statSync(p).isDirectory())
  .sort();
const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-history-import-'));
  dirs.push(dir);
  return dir;
}

async function squallHistory(args: string[], cwd: string) {
  const t = io();
  t.cli.cwd = cwd;
  const code = await main(['history', ...args], t.cli);
  return { code, out: t.out.join(''), err: t.err.join('') };
}

function counts(path: string) {
  const db = new Database(path, { readonly: true });
  const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
  const result = { runs: count('runs'), slos: count('slo_results'), tags: count('run_tags') };
  db.close();
  return result;
}

describe('history import', () => {
  it('imports every fixture journal once: rows as their summaries say; twice adds nothing', async () => {
    expect(fixtureDirs.length).toBeGreaterThanOrEqual(5);
    const db = join(scratch(), 'history.db');
    const first = await squallHistory(['import', ...fixtureDirs, '--history', db, '--json'], FIXTURES);
    expect(first.code, first.err).toBe(0);
    const results = JSON.parse(first.out) as ImportResult[];
    expect(results.map((r) => [r.journalPath, r.status])).toEqual(
      fixtureDirs.map((d) => [join(d, 'journal.jsonl'), 'imported']),
    );
    const after = counts(db);
    const summaries = fixtureDirs.map(summaryOf);
    expect(after.runs).toBe(fixtureDirs.length);
    expect(after.slos).toBe(
      summaries.reduce((n, s) => n + s.slos.reduce((m, slo) => m + slo.windows.length, 0), 0),
    );

    const history = openRunHistory(db);
    for (const [i, dir] of fixtureDirs.entries()) {
      const s = summaries[i]!;
      const run = history.getRun(s.runId);
      const start = JSON.parse(
        readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n')[0]!,
      ) as RunStartEvent;
      expect(run, dir).toMatchObject({
        experiment: s.experiment,
        file: s.file,
        host: s.environment.host,
        startedAt: s.startedAt,
        state: s.outcome === 'incomplete' ? 'interrupted' : 'finished',
        outcome: s.outcome,
        exitCode: s.exitCode,
        resilienceScore: s.resilienceScore,
        leftovers: s.leftovers,
        journalPath: join(dir, 'journal.jsonl'),
        reportDir: dir,
        recordedBy: 'import',
        fileSha256: null,
        gitCommit: null,
        pid: null,
        vars: (start.spec as { vars?: object }).vars ?? {},
      });
      if (s.endedAt) expect(run.endedAt).toBe(s.endedAt);
      expect(run.reportPaths).toContain(join(dir, 'report.html'));
      expect(run.slos.map((slo) => [slo.name, slo.window, slo.status, slo.expect])).toEqual(
        s.slos.map((slo) => [slo.name, slo.window, slo.status, slo.expect ?? 'met']),
      );
      for (const slo of s.slos)
        expect(run.slos.find((r) => r.name === slo.name)!.windows).toEqual(slo.windows);
    }
    // The journal cut short: interrupted, dated by its last readable event.
    const truncated = history.getRun(summaryOf(join(FIXTURES, 'demo-truncated')).runId);
    expect(truncated.state).toBe('interrupted');
    expect(truncated.endedAt).not.toBeNull();
    history.close();

    const second = await squallHistory(['import', ...fixtureDirs, '--history', db], FIXTURES);
    expect(second.code, second.err).toBe(0);
    expect(second.out.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^0 imported, 0 completed, ${fixtureDirs.length} already present, 0 failed`),
    );
    expect(counts(db)).toEqual(after);
  });

  it('the budget across imported runs is summed from their counts (demo-latency: a pass and a breach)', () => {
    const db = join(scratch(), 'history.db');
    const history = openRunHistory(db);
    const runs = ['demo-pass', 'demo-breach'].map((name) => join(FIXTURES, name));
    history.importRuns(runs, FIXTURES);
    const summaries = runs.map(summaryOf);
    const latest = Math.max(...summaries.map((s) => Date.parse(s.startedAt)));
    const budget = history.budget('demo-latency', { days: 30, nowMs: latest + 1000 });
    const own = (s: RunSummary, name: string) => {
      const slo = s.slos.find((x) => x.name === name)!;
      return slo.windows.find((w) => w.window === slo.window)!;
    };
    const bad = summaries.reduce((n, s) => n + own(s, 'fast-enough').total - own(s, 'fast-enough').good, 0);
    const total = summaries.reduce((n, s) => n + own(s, 'fast-enough').total, 0);
    const fast = budget.slos.find((s) => s.slo === 'fast-enough')!;
    // latency_p99 <= 500ms: 1% of the samples may be slower.
    expect(fast).toMatchObject({ runs: 2, met: 1, bad, total, regressed: true });
    expect(fast.budgetConsumed).toBeCloseTo(bad / (0.01 * total), 9);
    expect(budget.slos.find((s) => s.slo === 'recovers')).toMatchObject({
      runs: 2,
      met: 2,
      budgetedRuns: 0,
      budgetConsumed: null,
    });
    history.close();
  });

  it('completes a row left running when its journal says how the run ended', () => {
    const work = scratch();
    const run = join(work, 'run');
    cpSync(join(FIXTURES, 'demo-pass'), run, { recursive: true });
    const db = join(work, 'history.db');
    const store = openHistory(db);
    const start = JSON.parse(
      readFileSync(join(run, 'journal.jsonl'), 'utf8').split('\n')[0]!,
    ) as RunStartEvent;
    recordStart(
      store.db,
      startedRunRow(start, { journalPath: join(run, 'journal.jsonl'), recordedBy: 'run' }),
    );
    store.close();
    const history = openRunHistory(db, { sweep: { host: 'elsewhere' } });
    expect(history.getRun(start.runId).state).toBe('running');
    expect(history.importRuns([run], work).map((r) => r.status)).toEqual(['completed']);
    expect(history.getRun(start.runId)).toMatchObject({
      state: 'finished',
      outcome: 'passed',
      recordedBy: 'run',
    });
    expect(history.importRuns([run], work).map((r) => r.status)).toEqual(['present']);
    history.close();
  });

  it('a suite directory imports each experiment; what is no run fails alone (exit 2)', async () => {
    const work = scratch();
    const suite = join(work, 'gameday');
    cpSync(join(FIXTURES, 'demo-pass'), join(suite, '01-demo'), { recursive: true });
    cpSync(join(FIXTURES, 'demo-breach'), join(suite, '02-slow'), { recursive: true });
    writeFileSync(join(suite, 'summary.json'), JSON.stringify({ suite: 'monthly-gameday' }));
    const noStart = join(work, 'no-start');
    cpSync(join(FIXTURES, 'demo-pass'), noStart, { recursive: true });
    const lines = readFileSync(join(noStart, 'journal.jsonl'), 'utf8').split('\n');
    writeFileSync(join(noStart, 'journal.jsonl'), lines.slice(1).join('\n'));
    const db = join(work, 'history.db');
    const r = await squallHistory(['import', 'gameday', 'no-start', 'nothing-here', '--history', db], work);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^imported\s+\S+\s+.*01-demo\/journal\.jsonl$/m);
    expect(r.out).toMatch(/^imported\s+\S+\s+.*02-slow\/journal\.jsonl$/m);
    expect(r.out).toContain('no-start/journal.jsonl: the journal has no run.start event');
    expect(r.out).toContain('nothing-here: not a run directory');
    expect(r.out.match(/\[SQUALL_HISTORY_IMPORT_FAILED\]/g)).toHaveLength(2);
    expect(r.out).toContain('2 imported, 0 completed, 0 already present, 2 failed');
    const history = openRunHistory(db);
    expect(history.listRuns({ suite: 'monthly-gameday' }).map((run) => run.suiteDir)).toEqual([suite, suite]);
    history.close();
  });
});
