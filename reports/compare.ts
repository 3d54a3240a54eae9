/**
 * Run comparison: "did this release make us less resilient?". Each SLO (by name) and each key
 * SLI (by source and SLI, in the fault and recovery windows) side by side with the change,
 * regressions flagged. Both sides are summaries (summary.json), so a stored summary of the last
 * release compares with today's journal.
 *
 * Regression rules (REGRESSION below), so a flag means the same thing every time:
 * - an SLO whose status got worse (met → no data → breached), or whose budget consumed rose by
 *   more than 10 points of its budget;
 * - a key SLI that moved the wrong way by more than 10 % of its previous value (for ratios:
 *   10 % of the previous shortfall from 100 %, and at least 0.01 percentage points; for
 *   latencies, and at least 5 ms, below which run-to-run jitter dominates);
 * - the resilience score falling by more than 1 point.
 */
import {
  formatBudget,
  formatDelta,
  formatScore,
  formatSliValue,
  formatStatus,
  sloObjective,
  sloValue,
} from '../engine/core/format.js';
import { mdTable } from './markdown.js';
import type { RunSummary } from './summary.js';

export const REGRESSION = {
  budgetPoints: 0.1,
  relativeChange: 0.1,
  ratioFloor: 0.0001,
  latencyFloorMs: 5,
  scorePoints: 1,
} as const;

/** Which way is better for a key SLI; throughput is load, not quality: no direction. */
const LOWER_IS_BETTER = /latency|reconnect_time|messages_lost|duplicates|out_of_order|data_loss_window/;
const HIGHER_IS_BETTER = /ratio$/;

export interface ComparisonRow {
  kind: 'slo' | 'sli';
  /** SLO name, or `<source> <sli> (<window>)`. */
  name: string;
  unit: string;
  before: string;
  after: string;
  change: string;
  regression: boolean;
}

export interface Comparison {
  before: { runId: string; experiment: string; startedAt: string; score: string };
  after: { runId: string; experiment: string; startedAt: string; score: string };
  scoreRegression: boolean;
  rows: ComparisonRow[];
  regressions: number;
}

const STATUS_RANK = { met: 0, nodata: 1, breached: 2 } as const;

function worse(before: number | null, after: number | null, sli: string, unit: string): boolean {
  if (before === null || after === null) return before !== null && after === null;
  const lower = LOWER_IS_BETTER.test(sli);
  const higher = HIGHER_IS_BETTER.test(sli) || unit === 'ratio';
  if (!lower && !higher) return false;
  if (higher && unit === 'ratio') {
    const shortfall = 1 - before;
    const drop = before - after;
    return drop > Math.max(REGRESSION.ratioFloor, REGRESSION.relativeChange * shortfall);
  }
  const change = lower ? after - before : before - after;
  const floor = unit === 'ms' ? REGRESSION.latencyFloorMs : 0;
  return change > REGRESSION.relativeChange * Math.abs(before) && change > floor;
}

export function compareSummaries(after: RunSummary, before: RunSummary): Comparison {
  const rows: ComparisonRow[] = [];
  const names = [...new Set([...before.slos.map((s) => s.name), ...after.slos.map((s) => s.name)])];
  for (const name of names) {
    const b = before.slos.find((s) => s.name === name);
    const a = after.slos.find((s) => s.name === name);
    const unit = (a ?? b)!.unit;
    const statusWorse = !a || (b !== undefined && STATUS_RANK[a.status] > STATUS_RANK[b.status]);
    const budgetWorse =
      a?.budgetConsumed != null &&
      b?.budgetConsumed != null &&
      a.budgetConsumed - b.budgetConsumed > REGRESSION.budgetPoints;
    const value = (s: typeof a) =>
      s
        ? `${sloValue(s, s.value)} ${formatStatus(s.status)}, budget ${formatBudget(s.budgetConsumed)}`
        : 'absent';
    rows.push({
      kind: 'slo',
      name: `${name}: ${sloObjective((a ?? b)!)} (${(a ?? b)!.window})`,
      unit,
      before: value(b),
      after: value(a),
      change:
        a && b ? formatDelta(a.value !== null && b.value !== null ? a.value - b.value : null, unit) : '—',
      regression: Boolean(b) && (statusWorse || budgetWorse),
    });
  }
  for (const k of after.keySlis) {
    const prev = (before.keySlis ?? []).find((x) => x.source === k.source && x.sli === k.sli);
    for (const window of ['fault', 'recovery'] as const) {
      const a = k.windows[window];
      const b = prev ? prev.windows[window] : null;
      rows.push({
        kind: 'sli',
        name: `${k.source} ${k.sli} (${window})`,
        unit: k.unit,
        before: prev ? formatSliValue(b, k.unit) : 'absent',
        after: formatSliValue(a, k.unit),
        change: formatDelta(a !== null && b !== null ? a - b : null, k.unit),
        regression: prev !== undefined && worse(b, a, k.sli, k.unit),
      });
    }
  }
  const scoreRegression =
    before.resilienceScore !== null &&
    (after.resilienceScore === null ||
      before.resilienceScore - after.resilienceScore > REGRESSION.scorePoints);
  const side = (s: RunSummary) => ({
    runId: s.runId,
    experiment: s.experiment,
    startedAt: s.startedAt,
    score: formatScore(s.resilienceScore),
  });
  return {
    before: side(before),
    after: side(after),
    scoreRegression,
    rows,
    regressions: rows.filter((r) => r.regression).length + (scoreRegression ? 1 : 0),
  };
}

export function renderComparison(c: Comparison): string {
  const flag = (r: boolean) => (r ? '**REGRESSION**' : '');
  return [
    `## Comparison: ${c.after.experiment}`,
    '',
    ...(c.before.experiment === c.after.experiment
      ? []
      : [
          `> **Different experiments** (before: ${c.before.experiment}), compared with --force: an SLO of the same name may not be the same promise.`,
          '',
        ]),
    `Before: run \`${c.before.runId}\` (${c.before.startedAt}), score ${c.before.score}. After: run \`${c.after.runId}\` (${c.after.startedAt}), score ${c.after.score}${c.scoreRegression ? ' **REGRESSION**' : ''}.`,
    '',
    c.regressions ? `**${c.regressions} regression(s).**` : 'No regressions.',
    '',
    mdTable(
      ['SLO', 'before', 'after', 'change', ''],
      c.rows
        .filter((r) => r.kind === 'slo')
        .map((r) => [r.name, r.before, r.after, r.change, flag(r.regression)]),
    ),
    '',
    mdTable(
      ['key SLI', 'before', 'after', 'change', ''],
      c.rows
        .filter((r) => r.kind === 'sli')
        .map((r) => [r.name, r.before, r.after, r.change, flag(r.regression)]),
    ),
    '',
  ].join('\n');
}
