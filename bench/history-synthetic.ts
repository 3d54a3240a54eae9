/**
 * Synthetic runs for the history benchmark and the history's concurrency test: rows shaped as
 * a real run's (three SLOs, four windows each: a ratio and a percentile with event budgets, a
 * single measurement without), with counts that vary from run to run.
 */
import type { EndedRunRow, SloRow, StartedRunRow } from '../engine/history/types.js';

const WINDOWS = ['run', 'baseline', 'fault', 'recovery'] as const;

export interface SyntheticOptions {
  id: string;
  experiment: string;
  startedAtMs: number;
  /** The percentile SLO breaches in the fault window (and so in the run). */
  breached: boolean;
  /** Probe attempts in the run, split over the phases. */
  events: number;
  host?: string;
  tags?: string[];
}

function sloWindows(
  slo: Pick<SloRow, 'slo' | 'position' | 'sli' | 'objective' | 'unit' | 'expect'>,
  counts: Record<(typeof WINDOWS)[number], { good: number; total: number }>,
  allowedRate: number | null,
  measure: { valueOf(good: number, total: number): number; meets(value: number): boolean },
): SloRow[] {
  const allowedBad = allowedRate === null ? null : allowedRate * counts.run.total;
  return WINDOWS.map((window) => {
    const { good, total } = counts[window];
    const value = total > 0 ? measure.valueOf(good, total) : null;
    const bad = total - good;
    return {
      ...slo,
      window,
      ownWindow: window === 'run',
      status: value === null ? 'nodata' : measure.meets(value) ? 'met' : 'breached',
      value,
      good,
      total,
      budgetConsumed: allowedBad ? bad / allowedBad : null,
      burnRate: allowedRate && total > 0 ? bad / total / allowedRate : null,
      allowedBad,
    };
  });
}

export function syntheticRun(o: SyntheticOptions): { start: StartedRunRow; end: EndedRunRow } {
  const phase = Math.max(1, Math.floor(o.events / 3));
  const badInFault = o.breached ? Math.ceil(phase / 4) : 0;
  const counts = (bad: number) => ({
    baseline: { good: phase, total: phase },
    fault: { good: phase - bad, total: phase },
    recovery: { good: phase, total: phase },
    run: { good: 3 * phase - bad, total: 3 * phase },
  });
  const ratio = { valueOf: (good: number, total: number) => good / total, meets: (v: number) => v >= 0.99 };
  // p99 over 500 ms once more than 1% of the samples were slow.
  const p99 = {
    valueOf: (good: number, total: number) => ((total - good) / total > 0.01 ? 612 : 160),
    meets: (v: number) => v <= 500,
  };
  const once = { valueOf: () => 990, meets: (v: number) => v <= 2000 };
  const common = { sli: '', objective: '', unit: 'ratio', expect: 'met' as const };
  const slos: SloRow[] = [
    ...sloWindows(
      { ...common, slo: 'available', position: 0, sli: 'success_ratio', objective: '>= 99%' },
      counts(0),
      0.01,
      ratio,
    ),
    ...sloWindows(
      { ...common, slo: 'fast', position: 1, sli: 'latency_p99', objective: '<= 500ms', unit: 'ms' },
      counts(badInFault),
      0.01,
      p99,
    ),
    ...sloWindows(
      { ...common, slo: 'recovers', position: 2, sli: 'time_to_recover', objective: '<= 2s', unit: 'ms' },
      {
        run: { good: 1, total: 1 },
        baseline: { good: 0, total: 0 },
        fault: { good: 0, total: 0 },
        recovery: { good: 0, total: 0 },
      },
      null,
      once,
    ),
  ];
  const durationMs = 10_000 + (o.events % 7) * 1000;
  return {
    start: {
      id: o.id,
      experiment: o.experiment,
      file: `/experiments/${o.experiment}.yaml`,
      fileSha256: 'a'.repeat(64),
      vars: { latency: o.breached ? '600ms' : '150ms' },
      tags: o.tags ?? ['ci', 'synthetic'],
      gitCommit: 'b'.repeat(40),
      host: o.host ?? 'bench-host',
      startedBy: 'bench',
      pid: null,
      pidStart: null,
      startedAtMs: o.startedAtMs,
      journalPath: `/runs/${o.id}/journal.jsonl`,
      reportDir: `/runs/${o.id}`,
      squallVersion: '0.0.0-bench',
      suite: null,
      suiteDir: null,
      recordedBy: 'run',
    },
    end: {
      state: 'finished',
      endedAtMs: o.startedAtMs + durationMs,
      outcome: o.breached ? 'slo_breached' : 'passed',
      exitCode: o.breached ? 1 : 0,
      hypothesis: o.breached ? 'rejected' : 'holds',
      score: o.breached ? 66.7 : 100,
      leftovers: [],
      reportPaths: [],
      slos,
    },
  };
}
