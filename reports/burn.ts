/**
 * The error-budget burn chart: per budgeted SLO, the share of its budget spent so far, over
 * its own window. Exact, not sampled: bad events come from the SLO engine's own `tally`
 * (engine/slo/evaluate.ts) per bucket of slices (good/total add up across slices), and the
 * budget is the one the engine sized from the SLO's own window (`allowedBad`), so the last
 * point is the SLO table's "budget consumed".
 */
import type { JournalEvent, RunStartEvent, SloResult } from '../engine/core/journal-events.js';
import { reportedRatio } from '../engine/slo/budget.js';
import { allowedBad, subjectOf, tally } from '../engine/slo/evaluate.js';
import type { SliSubject } from '../engine/slo/measure.js';
import { metricKey, type WindowName } from '../engine/slo/windows.js';
import type { SloSpec } from '../engine/spec/schema.js';
import { bucketEndMs, type ReportSlice } from './metric-slices.js';
import type { Chart } from './series.js';

interface BurnPlan {
  name: string;
  spec: SloSpec;
  subject: SliSubject;
  window: WindowName;
  /** Bad events the SLO may have in its own window. */
  allowed: number;
  /** The histogram the SLI reads, for latency SLOs. */
  histogramKey: string | undefined;
}

const round = (v: number) => Number(v.toPrecision(6));

/** The SLOs that have a budget, with the spec the run was scored with (from run.start). */
function planBurn(events: readonly JournalEvent[], results: readonly SloResult[]): BurnPlan[] {
  const start = events.find((e): e is RunStartEvent => e.type === 'run.start');
  const specs = ((start?.spec as { slos?: SloSpec[] } | undefined)?.slos ?? []).filter((s) => s?.objective);
  return results.flatMap((r) => {
    const spec = specs.find((s) => s.name === r.name);
    const own = r.windows.find((w) => w.window === r.window);
    if (!spec || !own || r.budgetConsumed === null || own.status === 'nodata') return [];
    try {
      const subject = subjectOf(spec);
      const allowed = allowedBad(spec, subject, { ...own, budgeted: true });
      if (allowed === null) return [];
      const compute = subject.sli.definition.compute;
      const histogramKey =
        compute.measure === 'percentile' ? metricKey(subject.source, compute.histogram) : undefined;
      return [{ name: r.name, spec, subject, window: r.window, allowed, histogramKey }];
    } catch {
      return []; // an SLO this build no longer understands: no burn line rather than a wrong one
    }
  });
}

/** Accumulates the burn bucket by bucket (metrics-scan.ts feeds it decoded slices). */
export class BurnTracker {
  readonly #plans: BurnPlan[];
  readonly #originMs: number;
  readonly #bad: number[];
  readonly #points: [number, number][][];

  constructor(events: readonly JournalEvent[], results: readonly SloResult[], originMs: number) {
    this.#plans = planBurn(events, results);
    this.#originMs = originMs;
    this.#bad = this.#plans.map(() => 0);
    this.#points = this.#plans.map(() => []);
  }

  /** The histogram keys the burn needs decoded. */
  get histogramKeys(): string[] {
    return [...new Set(this.#plans.flatMap((p) => (p.histogramKey ? [p.histogramKey] : [])))];
  }

  /** One bucket of consecutive slices, histograms decoded. */
  addBucket(views: readonly ReportSlice[]): void {
    if (views.length === 0) return;
    // Cumulative: the value holds at the end of the bucket.
    const x = round((bucketEndMs(views) - this.#originMs) / 1000);
    this.#plans.forEach((p, i) => {
      const inWindow = views.filter((v) => v.windows.includes(p.window));
      if (inWindow.length === 0) return;
      const points = this.#points[i]!;
      // Nothing is spent before the window opens: the line starts at 0 there.
      if (points.length === 0) points.push([round((inWindow[0]!.startMs - this.#originMs) / 1000), 0]);
      const t = tally(p.spec, p.subject, inWindow);
      this.#bad[i]! += t.total - t.good;
      const bad = this.#bad[i]!;
      const spent = p.allowed > 0 ? bad / p.allowed : bad > 0 ? Number.POSITIVE_INFINITY : 0;
      points.push([x, round(reportedRatio(spent) ?? 0)]);
    });
  }

  chart(): Chart {
    if (this.#plans.length === 0) {
      return {
        id: 'budget-burn',
        title: 'Error budget burn',
        unit: 'budget',
        series: [],
        objectives: [],
        noData: 'no data for this run: no SLO with an error budget was scored',
      };
    }
    return {
      id: 'budget-burn',
      title: 'Error budget burn (cumulative)',
      unit: 'budget',
      series: this.#plans.map((p, i) => ({ name: p.name, points: this.#points[i]! })),
      objectives: [],
      noData: null,
    };
  }
}
