/**
 * How many bad events an SLO's error budget allowed in one run: (1 − target) × the events of
 * the SLO's own window, the scorer's own rule (engine/slo/evaluate.ts `allowedBad`). A run's
 * summary keeps each window's good/total and the budget consumed, but not this denominator,
 * and it cannot be read back from a consumed budget of 0; the journal's spec has what sizes it.
 *
 * Kept per run so budgets across runs can be summed from counts: Σ bad / Σ allowed bad, never
 * an average of each run's ratio (a short run would weigh as much as a long one).
 */
import type { SloResult } from '../core/journal-events.js';
import { REPORTED_RATIO_CAP } from '../slo/budget.js';
import { resolveSli } from '../slo/catalog.js';
import { allowedErrorRate, type SloMath } from '../slo/evaluate.js';

function isObjective(value: unknown): boolean {
  const o = value as { op?: unknown; value?: unknown } | null;
  return typeof o === 'object' && o !== null && typeof o.op === 'string' && typeof o.value === 'number';
}

/** The SLO as the journal's `run.start` spec has it (units converted), if it is there and whole. */
function sloSpecOf(spec: unknown, name: string): SloMath | undefined {
  const slos = (spec as { slos?: unknown } | null)?.slos;
  if (!Array.isArray(slos)) return undefined;
  const found = slos.find((s) => (s as { name?: unknown })?.name === name) as
    | (SloMath & { name: string })
    | undefined;
  if (!found || typeof found.sli !== 'string' || !isObjective(found.objective)) return undefined;
  if (found.sliceObjective !== undefined && !isObjective(found.sliceObjective)) return undefined;
  return { ...found, budgeting: found.budgeting ?? 'occurrences' };
}

/**
 * Bad events the budget allowed in the SLO's own window; null without an event budget (single
 * measurements, no data). Falls back to reading it off a nonzero, uncapped budget consumed
 * when the spec does not say (a journal from before specs were journaled whole).
 */
export function allowedBadOf(spec: unknown, slo: SloResult): number | null {
  const own = slo.windows.find((w) => w.window === slo.window);
  if (!own || own.budgetConsumed === null) return null;
  const sloSpec = sloSpecOf(spec, slo.name);
  const sli = sloSpec ? resolveSli(sloSpec.sli) : undefined;
  if (sloSpec && sli) {
    const rate = allowedErrorRate(sloSpec, sli, own.total);
    if (rate !== null) return rate * own.total;
  }
  const bad = own.total - own.good;
  const capped = own.budgetConsumed >= REPORTED_RATIO_CAP;
  return bad > 0 && own.budgetConsumed > 0 && !capped ? bad / own.budgetConsumed : null;
}
