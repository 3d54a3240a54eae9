/**
 * SLI definitions, kept as data (STYLE.md §9). A definition names the metric keys it reads;
 * families such as `e2e_latency_pNN` resolve `e2e_latency_p99` to percentile 99.
 * The catalogue and the evaluation live in `catalog.ts` and `evaluate.ts`.
 */
import type { ObjectiveUnit } from '../spec/units.js';

export type SliUnit = ObjectiveUnit | 'per_s';

export interface SliDefinition {
  /** `delivery_ratio`, or a family with `pNN`: `e2e_latency_pNN`. */
  readonly name: string;
  readonly description: string;
  readonly unit: SliUnit;
  /** Which sources provide it: the fleet, probes, or either. */
  readonly sources: 'fleet' | 'probe' | 'any';
}

/** An SLI name resolved against the catalogue. */
export interface ResolvedSli {
  readonly definition: SliDefinition;
  /** For `pNN` families: the percentile asked for (e.g. 99, 99.9). */
  readonly percentile?: number;
}
