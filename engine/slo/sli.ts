/**
 * SLI definitions, kept as data. A definition names the metric keys it reads;
 * families such as `e2e_latency_pNN` resolve `e2e_latency_p99` to percentile 99.
 * The catalogue and the evaluation live in `catalog.ts` and `evaluate.ts`.
 */
import type { ObjectiveUnit } from '../core/units.js';

export type SliUnit = ObjectiveUnit | 'per_s';

/**
 * How an SLI is computed from a source's metric keys (keys without the `<source>.` prefix;
 * see metrics.ts). Every measure sums raw counts or merges histograms over a window, never
 * averages per-slice values.
 */
export type SliMeasure =
  /** good / total, both counters: `delivered / expected`. */
  | { readonly measure: 'ratio'; readonly good: string; readonly total: string }
  /** A percentile (the `pNN` of the name) of a latency histogram in ms. */
  | { readonly measure: 'percentile'; readonly histogram: string }
  /**
   * A count of bad events (`lost`); `per` is the counter of all events it is out of
   * (`expected`), used when budgeting by occurrences.
   */
  | { readonly measure: 'counter'; readonly counter: string; readonly per: string }
  /** Σ gauge / Σ of-gauge over the window's slices (device-seconds connected / targeted). */
  | { readonly measure: 'gauge_ratio'; readonly gauge: string; readonly of: string }
  /**
   * One value per slice (a PromQL query's value at the slice's end): good/total = slices whose
   * value meets the objective / slices with a value; the window's value is its worst slice.
   */
  | { readonly measure: 'sample'; readonly gauge: string }
  /** The maximum a gauge reached in the window (`data_loss_window_ms`). */
  | { readonly measure: 'gauge_max'; readonly gauge: string }
  /** Events per second: Σ counter / Σ slice duration; a probe source reads `probeCounter`. */
  | { readonly measure: 'rate'; readonly counter: string; readonly probeCounter: string }
  /**
   * Computed from the run's timeline rather than one metric: `time_to_recover` (recovery.ts),
   * `rto` and `rpo` (disaster.ts).
   */
  | { readonly measure: 'derived'; readonly derivation: Derivation };

/** The SLIs measured from the timeline, each scored by its own function (score.ts). */
export type Derivation = 'time_to_recover' | 'rto' | 'rpo';

export type SliMeasureKind = SliMeasure['measure'];

export interface SliDefinition {
  /** `delivery_ratio`, or a family with `pNN`: `e2e_latency_pNN`. */
  readonly name: string;
  readonly description: string;
  readonly unit: SliUnit;
  /**
   * Which sources provide it: the fleet, probes, either, or a Prometheus source under
   * `sources:` (whose SLO carries the PromQL in its params, so each SLO reads its own keys).
   */
  readonly sources: 'fleet' | 'probe' | 'any' | 'prometheus';
  /** How it is computed from metric keys. */
  readonly compute: SliMeasure;
  /**
   * Whether the preflight gate checks it (preflight.ts); absent: yes, by default. `opt-in`: a
   * system at rest has no such events, so only when an SLO asks; `never`: no value before a fault.
   */
  readonly preflight?: 'opt-in' | 'never';
}

/** An SLI name resolved against the catalogue. */
export interface ResolvedSli {
  readonly definition: SliDefinition;
  /** For `pNN` families: the percentile asked for (e.g. 99, 99.9). */
  readonly percentile?: number;
}
