/**
 * bench/serve-live: what 50 browsers watching cost a live run, and how fast the history answers
 * through the control room's HTTP API. On a real server (loopback, port 0) with real runs of
 * a short experiment (an HTTP service behind the fault proxy, 200 latency faults 25 ms apart):
 *
 * - slice-to-viewer latency: for each `metrics` event, the time from its journal stamp (`t`,
 *   when the runner emitted it) to its arrival at each of 50 SSE clients, which run in a child
 *   process of their own (serve-viewers-child.ts), as browsers do. Target p99 ≤ 100 ms.
 * - runner timing jitter: each fault's `t - plannedT` (fault.injected), p99, in runs watched by
 *   50 viewers versus none, alternating for ROUNDS rounds; the medians of the rounds' p99s are
 *   compared (this 2-core machine is noisy; see runner-jitter.ts). Target ratio ≤ 1.2.
 * - history: 10,000 synthetic runs (history-synthetic.ts) in the server's database, then
 *   `GET /api/runs?limit=50` and `GET /api/experiments/:name/trend` 200 times each. Target p99 ≤ 50 ms.
 *
 * Writes bench/results/serve-live.json.   npm run bench:serve-live
 */

import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServeApp } from '../engine/app/serve/serve-app.js';
import { freePort } from '../engine/core/ports.js';
import { openHistory } from '../engine/history/store.js';
import { startService } from '../engine/history/test-support/quick-run.js';
import { recordEnd, recordStart } from '../engine/history/write.js';
import { readJournal } from '../engine/run/journal.js';
import { BENCH_SRC_DIR, nextMessage } from './fleet-bench-support.js';
import { syntheticRun } from './history-synthetic.js';

const VIEWERS = Number(process.env.VIEWERS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
// As many fault starts as the runner-jitter bench (200, 25 ms apart): a p99 of enough samples.
const FAULTS = 200;
const HISTORY_RUNS = 10_000;
const QUERIES = 200;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const median = (v: number[]) => percentile(v, 50);
const round = (n: number) => Math.round(n * 100) / 100;

const dir = mkdtempSync(join(tmpdir(), 'squall-bench-serve-'));
const library = join(dir, 'library');
mkdirSync(library);
const service = await startService();
const proxyPort = await freePort();
const faults = Array.from(
  { length: FAULTS },
  (_, i) =>
    `  - { name: f${i}, kind: proxy.latency, at: +${i * 25}ms, duration: 10ms, target: { proxy: p }, params: { latency: 1ms } }`,
).join('\n');
writeFileSync(
  join(library, 'jitter.yaml'),
  `apiVersion: squall/v1
kind: Experiment
metadata: { name: jitter }
system:
  proxies:
    p: { listen: "127.0.0.1:${proxyPort}", upstream: "127.0.0.1:${service.port}" }
probes:
  - { name: api, kind: http, every: 100ms, timeout: 1s, params: { url: "http://127.0.0.1:${proxyPort}/" } }
phases: { preflight: 0s, baseline: 1s, recovery: 1s }
faults:
${faults}
slos:
  - { name: available, sli: success_ratio, source: api, objective: ">= 90%" }
`,
);

const historyPath = join(dir, 'history.db');
{
  const store = openHistory(historyPath);
  const now = Date.now();
  const write = store.db.transaction(() => {
    for (let i = 0; i < HISTORY_RUNS; i++) {
      const { start, end } = syntheticRun({
        id: `synthetic-${i}`,
        experiment: `exp-${i % 20}`,
        startedAtMs: now - (HISTORY_RUNS - i) * 60_000,
        breached: i % 7 === 0,
        events: 600,
      });
      recordStart(store.db, start);
      recordEnd(store.db, start, end);
    }
  });
  write();
  store.close();
}

const app = createServeApp({ library, historyPath, runsDir: join(dir, 'runs'), env: process.env, cwd: dir });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const csrf = ((await (await fetch(`${base}/api/session`)).json()) as { csrf: string }).csrf;

/** One run; with `viewers` SSE clients attached, the arrival delays of every metrics event. */
async function oneRun(viewers: number): Promise<{ jitterP99Ms: number; deliveryMs: number[] }> {
  const res = await fetch(`${base}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-squall-csrf': csrf },
    body: JSON.stringify({ file: 'jitter.yaml' }),
  });
  const { runId } = (await res.json()) as { runId: string };
  let deliveryMs: number[] = [];
  // The run's end, as the control room reports it (polled: no stream open when nobody watches).
  const finished = new Promise<void>((resolve) => {
    const timer = setInterval(async () => {
      const r = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as { state: string };
      if (r.state === 'finished') {
        clearInterval(timer);
        resolve();
      }
    }, 200);
  });
  if (viewers > 0) {
    // Browsers are other processes: the viewers parse their streams in a child of their own.
    const child = fork(join(BENCH_SRC_DIR, 'serve-viewers-child.ts'), [], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.send({ base, runId, viewers });
    deliveryMs = (await nextMessage<{ deliveryMs: number[] }>(child)).deliveryMs;
  }
  await finished;
  const run = app.squall.runs.get(runId)!;
  const { events } = readJournal(join(run.outDir, 'journal.jsonl'));
  const jitter = events.flatMap((e) => (e.type === 'fault.injected' ? [e.t - e.plannedT] : []));
  return { jitterP99Ms: percentile(jitter, 99), deliveryMs };
}

const watched: number[] = [];
const alone: number[] = [];
const delivery: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const a = await oneRun(0);
  const b = await oneRun(VIEWERS);
  alone.push(a.jitterP99Ms);
  watched.push(b.jitterP99Ms);
  delivery.push(...b.deliveryMs);
  process.stderr.write(`round ${r + 1}: jitter p99 alone ${a.jitterP99Ms} ms, watched ${b.jitterP99Ms} ms\n`);
}

async function timeQueries(path: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}${path}`);
    await r.text();
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}
const list = await timeQueries('/api/runs?limit=50');
const trend = await timeQueries('/api/experiments/exp-3/trend?limit=20');

const jitterRatio = median(alone) > 0 ? median(watched) / median(alone) : null;
const results = {
  bench: 'serve-live',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  viewers: VIEWERS,
  rounds: ROUNDS,
  sliceToViewer: {
    samples: delivery.length,
    p50Ms: percentile(delivery, 50),
    p99Ms: percentile(delivery, 99),
    maxMs: percentile(delivery, 100),
    targetP99Ms: 100,
  },
  runnerJitter: {
    p99MsAloneByRound: alone,
    p99MsWatchedByRound: watched,
    medianP99AloneMs: median(alone),
    medianP99WatchedMs: median(watched),
    ratio: jitterRatio === null ? null : round(jitterRatio),
    targetRatio: 1.2,
  },
  history: {
    runs: HISTORY_RUNS,
    list: { p50Ms: round(percentile(list, 50)), p99Ms: round(percentile(list, 99)) },
    trend: { p50Ms: round(percentile(trend, 50)), p99Ms: round(percentile(trend, 99)) },
    targetP99Ms: 50,
  },
};
await app.close();
await service.close();
rmSync(dir, { recursive: true, force: true });
mkdirSync(new URL('./results/', import.meta.url).pathname, { recursive: true });
writeFileSync(
  new URL('./results/serve-live.json', import.meta.url).pathname,
  `${JSON.stringify(results, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
