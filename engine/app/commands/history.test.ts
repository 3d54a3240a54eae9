/**
 * `squall run` recording itself and `squall history` reading it back: real `squall run`
 * processes (the CLI in a child process, as CI runs it), a real HTTP service behind a real fault
 * proxy, real SQLite files in temp dirs, and the history commands through `main`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../reports/summary.js';
import type { BudgetReport } from '../../history/budget.js';
import {
  type Service,
  squall,
  startService,
  waitFor,
  writeQuickExperiment,
} from '../../history/test-support/quick-run.js';
import type { ExperimentTrend } from '../../history/trend.js';
import type { HistoryRun, HistoryRunDetail } from '../../history/types.js';
import { main } from '../cli/main.js';
import { io } from '../test-support/cli-io.js';

let dir: string;
let service: Service;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'squall-history-cli-'));
  service = await startService();
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function history(args: string[], env: Record<string, string> = {}) {
  const t = io();
  t.cli.env = env;
  t.cli.cwd = dir;
  const code = await main(['history', ...args], t.cli);
  return { code, out: t.out.join(''), err: t.err.join('') };
}

async function historyJson<T>(args: string[]): Promise<T> {
  const r = await history([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as T;
}

const summaryOf = (out: string) => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('squall run records itself; squall history reads it back', () => {
  it('three runs of one experiment, the last breached: the list, --json, filters and the trend', async () => {
    const work = mkdtempSync(join(dir, 'three-'));
    const file = await writeQuickExperiment(work, service);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'the experiment');
    const head = git('rev-parse', 'HEAD');
    const db = join(work, 'history.db');
    // The breached run is longer (more events), so pooling counts and averaging ratios differ.
    const plans = [
      { out: join(work, 'one'), vars: [], exit: 0 },
      { out: join(work, 'two'), vars: [], exit: 0 },
      { out: join(work, 'three'), vars: ['--var', 'latency=400ms', '--var', 'baseline=2400ms'], exit: 1 },
    ];
    for (const plan of plans) {
      const run = squall(['run', file, '--out', plan.out, '--history', db, ...plan.vars]);
      expect(await run.exit, run.output()).toBe(plan.exit);
      expect(run.stdout()).toContain(`\nrecorded in history: ${db}\n`);
    }
    const summaries = plans.map((p) => summaryOf(p.out));
    expect(summaries.map((s) => s.outcome)).toEqual(['passed', 'passed', 'slo_breached']);

    const runs = await historyJson<HistoryRun[]>(['--history', db]);
    expect(runs.map((r) => r.runId)).toEqual(summaries.map((s) => s.runId).reverse());
    for (const [i, run] of [...runs].reverse().entries()) {
      const s = summaries[i]!;
      expect(run).toMatchObject({
        experiment: 'history-demo',
        file,
        fileSha256: sha256(file),
        gitCommit: head,
        tags: ['ci', 'history-test'],
        host: hostname(),
        state: 'finished',
        outcome: s.outcome,
        exitCode: s.exitCode,
        resilienceScore: s.resilienceScore,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        journalPath: join(plans[i]!.out, 'journal.jsonl'),
        reportDir: plans[i]!.out,
        recordedBy: 'run',
        suite: null,
      });
      expect(run.pid).toBeGreaterThan(0);
      expect(run.reportPaths).toContain(join(plans[i]!.out, 'summary.json'));
    }
    expect(runs[0]!.vars).toEqual({ latency: '400ms', baseline: '2400ms' });
    expect(runs[1]!.vars).toEqual({ latency: '1ms', baseline: '800ms' });

    // Every SLO per window, as the run's own summary has it.
    const breached = await historyJson<HistoryRunDetail>([
      'show',
      runs[0]!.runId.slice(0, 8),
      '--history',
      db,
    ]);
    const windows = (slos: { name: string; windows: RunSummary['slos'][number]['windows'] }[]) =>
      slos.map((slo) => [slo.name, slo.windows.map((w) => [w.window, w.status, w.value, w.good, w.total])]);
    expect(windows(breached.slos)).toEqual(windows(summaries[2]!.slos));
    expect(breached.slos.map((s) => [s.name, s.status])).toEqual([
      ['available', 'met'],
      ['fast', 'breached'],
    ]);

    const filtered = async (...args: string[]) =>
      (await historyJson<HistoryRun[]>([...args, '--history', db])).map((r) => r.runId);
    expect(await filtered('--outcome', 'slo_breached')).toEqual([summaries[2]!.runId]);
    expect(
      await filtered('--experiment', 'history-demo', '--tag', 'history-test', '--since', '1h'),
    ).toHaveLength(3);
    expect(await filtered('--tag', 'not-a-tag')).toEqual([]);
    expect(await filtered('--limit', '1')).toEqual([summaries[2]!.runId]);

    const list = await history(['--history', db]);
    expect(list.out.split('\n')[0]).toMatch(/^started\s+run\s+experiment\s+result\s+exit\s+score/);
    expect(list.out).toContain('3 run(s), newest first');

    // The trend: oldest first, the breach in the last row, and the regression it is.
    const trend = await history(['trend', 'history-demo', '--history', db]);
    expect(trend.code, trend.err).toBe(0);
    const lines = trend.out.split('\n');
    expect(lines[0]).toBe('history-demo: 3 run(s), oldest first');
    expect(lines[1]).toMatch(/^started\s+run\s+result\s+score\s+available\s+fast$/);
    const rows = lines.slice(2, 5);
    expect(rows.map((l) => l.split(/\s+/)[2])).toEqual(summaries.map((s) => s.runId.slice(0, 8)));
    expect(rows.map((l) => /BREACHED/.test(l))).toEqual([false, false, true]);
    const fastLine = lines.find((l) => l.startsWith('fast '))!;
    expect(fastLine).toMatch(/ 2\/3\s+2\/3 /);
    expect(fastLine).toMatch(/BREACHED\s+met\s+REGRESSED$/);
    expect(lines.find((l) => l.startsWith('available '))).not.toContain('REGRESSED');

    // The budget across the three runs is summed from their raw counts, not averaged.
    const json = await historyJson<ExperimentTrend>(['trend', 'history-demo', '--history', db]);
    expect(json.runs.map((r) => r.runId)).toEqual(summaries.map((s) => s.runId));
    expect(json.runs.map((r) => r.resilienceScore)).toEqual(summaries.map((s) => s.resilienceScore));
    const ownWindow = (s: RunSummary) =>
      s.slos.find((slo) => slo.name === 'fast')!.windows.find((w) => w.window === 'run')!;
    const bad = summaries.reduce((sum, s) => sum + ownWindow(s).total - ownWindow(s).good, 0);
    const total = summaries.reduce((sum, s) => sum + ownWindow(s).total, 0);
    const fast = json.budget.slos.find((s) => s.slo === 'fast')!;
    expect(fast).toMatchObject({ runs: 3, met: 2, breached: 1, bad, total, regressed: true });
    // latency_p99 <= 150ms: 1% of the samples may be slower.
    expect(fast.allowedBad).toBeCloseTo(0.01 * total, 9);
    expect(fast.budgetConsumed).toBeCloseTo(bad / (0.01 * total), 9);
    const averaged = summaries.reduce((sum, s) => sum + ownWindow(s).budgetConsumed!, 0) / summaries.length;
    expect(Math.abs(fast.budgetConsumed! - averaged)).toBeGreaterThan(0.01);

    const budget = await historyJson<BudgetReport>([
      'budget',
      'history-demo',
      '--days',
      '7',
      '--history',
      db,
    ]);
    expect(budget.days).toBe(7);
    expect(budget.slos.find((s) => s.slo === 'fast')).toEqual(fast);
    const budgetText = await history(['budget', 'history-demo', '--history', db]);
    expect(budgetText.out).toContain('history-demo: error budget over the last 30 days');
  }, 180_000);

  it('a run whose process is killed (SIGKILL) is found interrupted by the next squall history', async () => {
    const work = mkdtempSync(join(dir, 'killed-'));
    const file = await writeQuickExperiment(work, service);
    const db = join(work, 'history.db');
    const out = join(work, 'out');
    const run = squall(['run', file, '--out', out, '--history', db, '--var', 'baseline=60s']);
    await waitFor(() => run.output().includes('== baseline'), 60_000, 'the baseline to start');
    const [before] = await historyJson<HistoryRun[]>(['--history', db]);
    // Alive: the sweep leaves it running.
    expect(before).toMatchObject({ state: 'running', outcome: null, pid: run.child.pid, endedAt: null });

    run.child.kill('SIGKILL');
    expect(await run.exit).toBe(128);
    const journal = readFileSync(join(out, 'journal.jsonl'), 'utf8').trim().split('\n');
    const runId = JSON.parse(journal[0]!).runId as string;
    const lastEventAt = new Date(JSON.parse(journal.at(-1)!).t as number).toISOString();

    const [after] = await historyJson<HistoryRun[]>(['--history', db]);
    expect(after).toMatchObject({
      runId,
      state: 'interrupted',
      outcome: 'interrupted',
      endedAt: lastEventAt,
    });
    expect(await historyJson<HistoryRun[]>(['--state', 'interrupted', '--history', db])).toHaveLength(1);
    expect((await history(['--history', db])).out).toMatch(/interrupted/);
  }, 120_000);

  it('two runs at once, one a suite of two experiments, write to one database without loss', async () => {
    const work = mkdtempSync(join(dir, 'concurrent-'));
    const single = await writeQuickExperiment(work, service, 'history-single');
    await writeQuickExperiment(work, service, 'history-demo');
    writeFileSync(
      join(work, 'suite.yaml'),
      `apiVersion: squall/v1
kind: Suite
metadata: { name: history-suite }
continueOnFailure: true
experiments:
  - file: history-demo.yaml
  - { file: history-demo.yaml, name: slow, vars: { latency: 400ms } }
`,
    );
    const db = join(work, 'history.db');
    const suiteOut = join(work, 'suite-out');
    const a = squall(['run', join(work, 'suite.yaml'), '--out', suiteOut, '--history', db]);
    const b = squall(['run', single, '--out', join(work, 'single-out'), '--history', db]);
    const [codeA, codeB] = await Promise.all([a.exit, b.exit]);
    expect(codeA, a.output()).toBe(1);
    expect(codeB, b.output()).toBe(0);
    expect(a.stdout()).toContain(`recorded in history: ${db}`);

    const runs = await historyJson<HistoryRun[]>(['--history', db]);
    const journalIds = [
      join(suiteOut, '01-history-demo'),
      join(suiteOut, '02-slow'),
      join(work, 'single-out'),
    ].map((d) => summaryOf(d).runId);
    expect(runs.map((r) => r.runId).sort()).toEqual([...journalIds].sort());
    expect(runs.every((r) => r.state === 'finished')).toBe(true);
    const suiteRuns = await historyJson<HistoryRun[]>(['--suite', 'history-suite', '--history', db]);
    expect(suiteRuns.map((r) => [r.reportDir, r.suiteDir, r.outcome]).sort()).toEqual([
      [join(suiteOut, '01-history-demo'), suiteOut, 'passed'],
      [join(suiteOut, '02-slow'), suiteOut, 'slo_breached'],
    ]);
    for (const id of journalIds) {
      const run = await historyJson<HistoryRunDetail>(['show', id, '--history', db]);
      expect(run.slos.map((s) => [s.name, s.windows.length])).toEqual([
        ['available', 4],
        ['fast', 4],
      ]);
    }
  }, 180_000);
});

describe('squall run without a writable history', () => {
  it('warns once on stderr and goes on: an unwritable path, then a damaged database file', async () => {
    const work = mkdtempSync(join(dir, 'unwritable-'));
    const file = await writeQuickExperiment(work, service);
    // A file where the history's directory would be: mkdir fails, for root too.
    const blocker = join(work, 'not-a-dir');
    writeFileSync(blocker, 'a file\n');
    const damaged = join(work, 'damaged.db');
    writeFileSync(damaged, 'this is not a SQLite database\n'.repeat(200));
    for (const [historyPath, out] of [
      [join(blocker, 'history.db'), join(work, 'out-1')],
      [damaged, join(work, 'out-2')],
    ] as const) {
      const t = io();
      t.cli.cwd = work;
      const code = await main(['run', file, '--out', out, '--history', historyPath], t.cli);
      const err = t.err.join('');
      expect(code, err).toBe(0);
      const warnings = err.split('\n').filter((l) => l.includes('history not recorded'));
      expect(warnings, err).toHaveLength(1);
      expect(warnings[0]).toMatch(/^squall run: history not recorded: cannot open history database /);
      expect(warnings[0]).toContain(historyPath);
      expect(warnings[0]).toContain('[SQUALL_HISTORY_UNAVAILABLE]; the run goes on');
      expect(summaryOf(out).outcome).toBe('passed');
      expect(t.out.join('')).toContain('PASSED: every SLO met (exit 0)');
      expect(t.out.join('')).not.toContain('recorded in history');
    }
    expect(readFileSync(damaged, 'utf8')).toBe('this is not a SQLite database\n'.repeat(200));
    // Reading it is an error of its own, exit 4.
    const read = await history(['--history', damaged]);
    expect(read.code).toBe(4);
    expect(read.err).toContain('[SQUALL_HISTORY_UNAVAILABLE]');
  }, 120_000);

  it('$SQUALL_HOME is where runs go by default; --no-history writes nothing', async () => {
    const work = mkdtempSync(join(dir, 'home-'));
    const file = await writeQuickExperiment(work, service);
    const run = async (home: string, ...flags: string[]) => {
      const t = io();
      t.cli.cwd = work;
      t.cli.env = { SQUALL_HOME: home };
      const code = await main(['run', file, '--out', join(work, `out-${flags.length}`), ...flags], t.cli);
      expect(code, t.err.join('')).toBe(0);
      expect(t.err.join('')).not.toContain('history not recorded');
      return t.out.join('');
    };
    const home = join(work, 'home');
    expect(await run(home)).toContain(`recorded in history: ${join(home, 'history.db')}`);
    const runs = await history(['--json'], { SQUALL_HOME: home });
    expect(JSON.parse(runs.out)).toHaveLength(1);

    const unused = join(work, 'unused-home');
    expect(await run(unused, '--no-history')).not.toContain('recorded in history');
    expect(existsSync(unused)).toBe(false);
    // Reading a history that does not exist yet creates nothing either.
    expect((await history([], { SQUALL_HOME: unused })).out).toContain('no runs match');
    expect(existsSync(unused)).toBe(false);
  }, 120_000);
});
