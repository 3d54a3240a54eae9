/**
 * The live view of a run's SLOs, for the progress line and the control room: each SLO over
 * its own window *so far*, with the same math the verdict uses (evaluate.ts, score.ts), so
 * what the live view says during the run is what the report says after it.
 *
 * Rules:
 * - An SLO is shown once its window has opened (`run` and `baseline` at the start of the
 *   baseline, `fault` at the fault window, `recovery` at recovery); before that it is hidden.
 *   During preflight the SLOs the gate checks are shown over the preflight.
 * - State: `met` when the value so far meets the objective, `breaching` when it does not,
 *   `nodata` when there is nothing to read yet, `pending` when message counts are still
 *   settling (dated by send time, they become final after the sink's grace) and the settled
 *   part meets the objective: "lost? 312 pending". A breach shows even while more is pending.
 * - SLIs measured from the timeline (`time_to_recover`, `rto`, `rpo`) read `waiting` until
 *   every fault so far has ended and the measurement has a value.
 * - Histograms are merged once per slice into a running merge per window (a 30-minute run
 *   must not re-merge 1 800 histograms every second); counters are summed each time (cheap,
 *   and dated counts amend past slices, metrics.ts).
 */

import { createLatencyHistogram, type Histogram, type MetricSlice } from '../core/metrics.js';
import { meets } from '../core/units.js';
import type { SloSpec } from '../spec/schema.js';
import { budgetRatio, reportedRatio } from './budget.js';
import { resolveSli } from './catalog.js';
import { allowedBad, statusThreshold, subjectOf, tally } from './evaluate.js';
import type { FaultTiming } from './recovery.js';
import { scoreRun } from './score.js';
import { metricKey, type Span, slicesIn, type WindowName } from './windows.js';

export type LiveState = 'met' | 'breaching' | 'pending' | 'nodata' | 'waiting';

export interface LiveSlo {
  name: string;
  sli: string;
  window: WindowName | 'preflight';
  objective: string;
  state: LiveState;
  value: number | null;
  unit: string;
  /** Messages sent in this window that have not settled yet (message-count SLIs only). */
  pending?: number;
  /**
   * 1 − the share of the error budget spent in the window so far (budget.ts; may go below 0
   * when overspent); null without an event budget or data, absent for timeline SLIs.
   */
  budgetRemaining?: number | null;
}

/** Where the run is: the windows opened so far (ends cut at now) and the faults so far. */
export interface LiveContext {
  nowMs: number;
  preflight?: Span;
  windows: Partial<Record<WindowName, Span>>;
  faults: readonly FaultTiming[];
}

/** Measures that count messages, whose counts settle late (delivery-ledger.ts). */
const MESSAGE_MEASURES = new Set(['ratio', 'counter']);
const MESSAGE_KEYS = new Set(['delivered', 'expected', 'lost', 'duplicates', 'out_of_order']);

export class LiveScoreboard {
  readonly #slos: readonly SloSpec[];
  readonly #settleMs: number;
  readonly #merged = new Map<string, Map<string, Histogram>>();
  readonly #histogramKeys: Set<string>;
  #slices: MetricSlice[] = [];

  /** `settleMs`: how long after a window's end its message counts may still settle (the sink's grace). */
  constructor(slos: readonly SloSpec[], options: { settleMs: number }) {
    this.#slos = slos;
    this.#settleMs = options.settleMs;
    this.#histogramKeys = new Set(
      slos.flatMap((slo) => {
        const subject = subjectOf(slo);
        const c = subject.sli.definition.compute;
        return c.measure === 'percentile' ? [metricKey(subject.source, c.histogram)] : [];
      }),
    );
  }

  /** A closed slice, and the windows (phase names) holding its start. */
  add(slice: MetricSlice, windows: readonly (WindowName | 'preflight')[]): void {
    this.#slices.push(slice);
    for (const w of windows) {
      const byKey = this.#merged.get(w) ?? new Map<string, Histogram>();
      this.#merged.set(w, byKey);
      for (const key of this.#histogramKeys) {
        const h = slice.histograms[key];
        if (!h || h.totalCount === 0) continue;
        const into = byKey.get(key) ?? createLatencyHistogram();
        byKey.set(key, into);
        into.add(h);
      }
    }
  }

  evaluate(ctx: LiveContext): LiveSlo[] {
    const out: LiveSlo[] = [];
    const pendingNow = this.#slices.at(-1)?.gauges ?? {};
    for (const slo of this.#slos) {
      const subject = subjectOf(slo);
      const measure = subject.sli.definition.compute.measure;
      const window: WindowName | 'preflight' =
        ctx.windows.baseline === undefined && ctx.preflight && slo.preflight ? 'preflight' : slo.window;
      const span = window === 'preflight' ? ctx.preflight : ctx.windows[window];
      if (!span) continue;
      const base = { name: slo.name, sli: slo.sli, window, objective: slo.objective.text };
      if (measure === 'derived') {
        out.push({ ...base, ...this.#derived(slo, ctx) });
        continue;
      }
      const t = tally(slo, subject, this.#view(window, span));
      const threshold = statusThreshold(slo, subject.sli);
      const allowed = allowedBad(slo, subject, t);
      const consumed = allowed === null ? null : reportedRatio(budgetRatio(t.total - t.good, allowed));
      const pending =
        MESSAGE_MEASURES.has(measure) && span[1] + this.#settleMs >= ctx.nowMs && readsMessages(slo)
          ? (pendingNow[metricKey(subject.source, 'pending')] ?? 0)
          : 0;
      let state: LiveState;
      if (t.value !== null && !meets(t.value, threshold)) state = 'breaching';
      else if (pending > 0) state = 'pending';
      else state = t.value === null ? 'nodata' : 'met';
      out.push({
        ...base,
        state,
        value: t.value,
        unit: slo.budgeting === 'timeslices' ? 'ratio' : subject.sli.definition.unit,
        ...(pending > 0 && { pending }),
        budgetRemaining: consumed === null ? null : 1 - consumed,
      });
    }
    return out;
  }

  /** `time_to_recover`, `rto`, `rpo`: scored as the verdict scores them, once the faults so far have ended. */
  #derived(slo: SloSpec, ctx: LiveContext): Pick<LiveSlo, 'state' | 'value' | 'unit'> {
    const waiting = { state: 'waiting' as const, value: null, unit: 'ms' };
    const run = ctx.windows.run;
    const active = ctx.faults.some((f) => !f.instantaneous && f.endMs > ctx.nowMs);
    if (!run || ctx.faults.length === 0 || active) return waiting;
    const cut = (w: Span | undefined): Span => w ?? [run[1], run[1]];
    const phases = {
      run,
      baseline: cut(ctx.windows.baseline),
      fault: cut(ctx.windows.fault),
      recovery: cut(ctx.windows.recovery),
    };
    const scored = scoreRun({ slos: [slo], slices: this.#slices, phases, faults: ctx.faults });
    const result = scored.slos[0]!;
    // "Never recovered" only means "not yet" while the run goes on: the clock is still running.
    const notYet = scored.notes.some((n) => n.slo === slo.name && n.message.startsWith('never recovered'));
    if (result.value === null || notYet) return waiting;
    return { state: result.status === 'met' ? 'met' : 'breaching', value: result.value, unit: 'ms' };
  }

  /** The window's slices, histograms replaced by the running merge (one slice carries it). */
  #view(window: WindowName | 'preflight', span: Span): MetricSlice[] {
    const slices = slicesIn(this.#slices, span).map((s) => ({ ...s, histograms: {} }));
    const merged = this.#merged.get(window);
    if (merged && merged.size > 0) {
      slices.push({
        startMs: span[0],
        durationMs: 0,
        counters: {},
        gauges: {},
        histograms: Object.fromEntries(merged),
      });
    }
    return slices;
  }
}

function readsMessages(slo: SloSpec): boolean {
  const c = resolveSli(slo.sli)?.definition.compute;
  if (!c) return false;
  if (c.measure === 'ratio') return MESSAGE_KEYS.has(c.good) || MESSAGE_KEYS.has(c.total);
  if (c.measure === 'counter') return MESSAGE_KEYS.has(c.counter);
  return false;
}
