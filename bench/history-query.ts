/**
 * bench/history-query: how fast does the run history answer once it is big? 10,000 synthetic
 * runs (bench/history-synthetic.ts: three SLOs × four windows each, 120,000 SLO rows) over 90
 * days and 20 experiments, in a real SQLite file (WAL) in the temp dir, written the way
 * `squall run` writes (one transaction per start and per end). Then, through the same API the
 * CLI and a server use (engine/history/history.ts, so each read includes the sweep for dead
 * runs), many rounds of: the run list (newest 50; and filtered by experiment, tag and outcome),
 * one experiment's trend (newest 20 runs with their SLOs, plus the budget of the last 30
 * days), and the budget alone. Target: p99 ≤ 50 ms for each. Writes bench/results/history-query.json.
 *
 *   npm run bench:history-query
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunHistory } from '../engine/history/history.js';
import { openHistory } from '../engine/history/store.js';
import { recordEnd, recordStart } from '../engine/history/write.js';
import { syntheticRun } from './history-synthetic.js';

const RUNS = Number(process.env.HISTORY_BENCH_RUNS ?? 10_000);
const EXPERIMENTS = 20;
const SPAN_DAYS = 90;
const ROUNDS = Number(process.env.HISTORY_BENCH_ROUNDS ?? 400);
const TARGET_P99_MS = 50;
const DAY_MS = 86_400_000;

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

function stats(samplesMs: number[]) {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1)!,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'squall-history-bench-'));
try {
  const path = join(dir, 'history.db');
  const nowMs = Date.now();
  const store = openHistory(path);
  const writeStart = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const { start, end } = syntheticRun({
      id: `run-${String(i).padStart(5, '0')}`,
      experiment: `experiment-${i % EXPERIMENTS}`,
      // Oldest first, evenly over the span, as runs arrive.
      startedAtMs: nowMs - SPAN_DAYS * DAY_MS + Math.floor((i * SPAN_DAYS * DAY_MS) / RUNS),
      breached: i % 7 === 0,
      events: 20 + (i % 200),
      tags: i % 2 === 0 ? ['ci', 'nightly'] : ['ci'],
    });
    recordStart(store.db, start);
    recordEnd(store.db, start, end);
  }
  const writeMs = performance.now() - writeStart;
  const sloRows = store.db.prepare('SELECT COUNT(*) FROM slo_results').pluck().get() as number;
  store.close();

  const history = openRunHistory(path);
  const experiment = (round: number) => `experiment-${(round * 7) % EXPERIMENTS}`;
  const queries: Record<string, (round: number) => unknown> = {
    list: () => history.listRuns({ limit: 50 }),
    listByExperiment: (r) => history.listRuns({ experiment: experiment(r), limit: 50 }),
    listByTagAndOutcome: () => history.listRuns({ tag: 'nightly', outcome: 'slo_breached', limit: 50 }),
    trend: (r) => history.trend(experiment(r), { limit: 20, nowMs }),
    budget: (r) => history.budget(experiment(r), { days: 30, nowMs }),
  };
  // Warm up (statement cache, page cache) before measuring.
  for (const q of Object.values(queries)) for (let r = 0; r < 20; r++) q(r);
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(queries).map((k) => [k, []]));
  // Interleaved, so a noisy moment on the machine touches every query alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, q] of Object.entries(queries)) {
      const t0 = performance.now();
      q(r);
      samples[name]!.push(performance.now() - t0);
    }
  }
  const sizes = {
    list: (queries.list!(0) as unknown[]).length,
    trendRuns: (history.trend(experiment(0), { limit: 20, nowMs }) as { runs: unknown[] }).runs.length,
    budgetRunsPerSlo: history.budget(experiment(0), { days: 30, nowMs }).slos[0]?.runs ?? 0,
  };
  history.close();

  const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
  const pass = Object.values(results).every((s) => s.p99Ms <= TARGET_P99_MS);
  const out = {
    bench: 'history-query',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs: RUNS,
    sloRows,
    experiments: EXPERIMENTS,
    spanDays: SPAN_DAYS,
    rounds: ROUNDS,
    write: { totalMs: writeMs, runsPerS: RUNS / (writeMs / 1000), transactionsPerRun: 2 },
    answerSizes: sizes,
    targetP99Ms: TARGET_P99_MS,
    queries: results,
    pass,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/history-query.json', import.meta.url),
    `${JSON.stringify(out, null, 2)}\n`,
  );
  for (const [name, s] of Object.entries(results))
    console.log(
      `${name.padEnd(20)} p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms  max ${s.maxMs.toFixed(2)} ms`,
    );
  console.log(
    `${RUNS} runs (${sloRows} SLO rows) written in ${(writeMs / 1000).toFixed(1)} s; p99 target ${TARGET_P99_MS} ms: ${pass ? 'met' : 'NOT met'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
