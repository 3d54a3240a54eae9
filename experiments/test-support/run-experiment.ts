/**
 * Runs a library experiment the way CI does: the real CLI in a child process
 * (`node --import tsx engine/app/cli/bin.ts run <file> --var ... --out <tmp>`), then reads back
 * what it wrote: exit code, `summary.json` and the journal's events.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { procArgv } from '../../engine/core/processes.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'engine/app/cli/bin.ts');

/** One journal line; only the fields these tests read are typed. */
export interface JournalEvent {
  type: string;
  t: number;
  phase?: string;
  message?: string;
  durationMs?: number;
  counters?: Record<string, number>;
  gauges?: Record<string, number>;
  startMs?: number;
  /** Counters settled after this slice was journaled, for the slice starting at `startMs`. */
  dated?: { startMs: number; counters: Record<string, number>; maxGauges?: Record<string, number> }[];
}

export interface SloResult {
  name: string;
  status: 'met' | 'breached' | 'nodata';
  value: number | null;
  expect?: 'met' | 'breached';
}

export interface ExperimentRun {
  code: number;
  output: string;
  summary: { outcome: string; exitCode: number; hypothesis: string; slos: SloResult[]; runbook?: string };
  journal: JournalEvent[];
  outDir: string;
  /** An SLO's value by name; throws when the SLO is missing. */
  slo(name: string): SloResult;
  /**
   * Metrics events of the journal (one per 1 s slice), in order, with the message counts that
   * settled later (`dated`, dated by send time: docs/measurement.md) added to their slice.
   */
  metrics(): JournalEvent[];
  cleanup(): void;
}

/** Reads what `squall run --out <dir>` wrote: `summary.json` and the journal. */
export function readRun(outDir: string, code = -1, output = ''): ExperimentRun {
  const summaryPath = join(outDir, 'summary.json');
  if (!existsSync(summaryPath)) throw new Error(`no summary.json in ${outDir} (exit ${code}):\n${output}`);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as ExperimentRun['summary'];
  const journal = readFileSync(join(outDir, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JournalEvent);
  return {
    code,
    output,
    summary,
    journal,
    outDir,
    slo(name) {
      const found = summary.slos.find((s) => s.name === name);
      if (!found) throw new Error(`no SLO '${name}' in ${summaryPath}`);
      return found;
    },
    metrics: () => settledMetrics(journal),
    cleanup: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** Metrics events with every later `dated` amendment applied to the slice it names (copies). */
function settledMetrics(journal: readonly JournalEvent[]): JournalEvent[] {
  const slices = journal
    .filter((e) => e.type === 'metrics')
    .map((e) => ({ ...e, counters: { ...(e.counters ?? {}) }, gauges: { ...(e.gauges ?? {}) } }));
  const byStart = new Map(slices.map((e) => [e.startMs, e]));
  for (const e of slices) {
    for (const d of e.dated ?? []) {
      const target = byStart.get(d.startMs);
      if (!target) continue;
      for (const [k, v] of Object.entries(d.counters)) target.counters[k] = (target.counters[k] ?? 0) + v;
      for (const [k, v] of Object.entries(d.maxGauges ?? {}))
        target.gauges[k] = Math.max(target.gauges[k] ?? v, v);
    }
  }
  return slices;
}

export async function runExperiment(
  file: string,
  vars: Record<string, string | number> = {},
): Promise<ExperimentRun> {
  const outDir = mkdtempSync(join(tmpdir(), 'squall-lib-'));
  const args = ['--import', 'tsx', BIN, 'run', file, '--out', outDir];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}=${v}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const code = await new Promise<number>((resolve) =>
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 128 : -1))),
  );
  return readRun(outDir, code, output);
}

/**
 * Largest per-second value of a fleet counter over the run's metrics slices; with
 * `afterFault`, only slices that end after the first fault was injected (not the initial ramp).
 */
export function peakPerSecond(run: ExperimentRun, counter: string, afterFault = false): number {
  const injectedAt = run.journal.find((e) => e.type === 'fault.injected')?.t ?? 0;
  let peak = 0;
  for (const e of run.metrics()) {
    if (afterFault && e.t <= injectedAt) continue;
    const v = e.counters?.[counter] ?? 0;
    const s = (e.durationMs ?? 1000) / 1000;
    if (s > 0) peak = Math.max(peak, v / s);
  }
  return peak;
}

/** Largest value a gauge took over the run's slices (e.g. `fleet.pending`: messages sent, not yet delivered). */
export function peakGauge(run: ExperimentRun, gauge: string): number {
  return run.metrics().reduce((peak, e) => Math.max(peak, e.gauges?.[gauge] ?? 0), 0);
}

/** Sum of a fleet counter over the whole run. */
export function total(run: ExperimentRun, counter: string): number {
  return run.metrics().reduce((a, e) => a + (e.counters?.[counter] ?? 0), 0);
}

/**
 * PIDs the run named in its log lines (testbed processes, restarts) that are still alive:
 * the runner must have stopped every one of them.
 */
export function leftoverPids(run: ExperimentRun): number[] {
  const pids = new Set<number>();
  for (const e of run.journal) {
    for (const m of (e.message ?? '').matchAll(/\bpid (\d+)/g)) pids.add(Number(m[1]));
  }
  return [...pids].filter((pid) => /node|mosquitto/.test(procArgv(pid).join(' ')));
}
