/**
 * Error budgets and burn rates (SRE Workbook ch. 2 and 5; OpenSLO v1 budgeting).
 *
 * - Error budget = 1 − target.
 * - Budget consumed = (1 − SLI) / (1 − target) = bad / allowed bad.
 * - Burn rate over a window = (bad / total in the window) / (1 − target): 1 spends the budget
 *   exactly over the period, 14.4 spends a 30-day budget in 50 hours.
 * - A zero budget (target 1, `>= 100%`, `messages_lost == 0`): nothing bad → 0; anything bad →
 *   Infinity. These functions return Infinity; reports carry `REPORTED_RATIO_CAP` instead,
 *   because JSON has no Infinity (it would become null, which means nodata).
 */

/** Budget consumed and burn rates above this are reported as this (1000 = 100 000 % of the budget). */
export const REPORTED_RATIO_CAP = 1000;

/** The finite number a report carries for a budget ratio. */
export function reportedRatio(ratio: number | null): number | null {
  if (ratio === null || Number.isNaN(ratio)) return null;
  return Math.min(ratio, REPORTED_RATIO_CAP);
}

/** num / den where a zero denominator (a zero budget) gives 0 for no bad events, else Infinity. */
export function budgetRatio(bad: number, allowedBad: number): number {
  if (allowedBad > 0) return bad / allowedBad;
  return bad > 0 ? Number.POSITIVE_INFINITY : 0;
}

/** 1 − target. */
export function errorBudget(target: number): number {
  return 1 - target;
}

/** (1 − SLI) / (1 − target). */
export function budgetConsumed(sli: number, target: number): number {
  return budgetRatio(1 - sli, errorBudget(target));
}

/** (bad / total) / (1 − target); null when the window has no events. */
export function burnRate(bad: number, total: number, target: number): number | null {
  if (total <= 0) return null;
  return budgetRatio(bad / total, errorBudget(target));
}

/**
 * The burn rate at which `budgetFraction` of a period's budget is spent in `windowMs`
 * (SRE Workbook ch. 5: 2 % of 30 days in 1 h → 14.4).
 */
export function burnRateFactor(budgetFraction: number, windowMs: number, periodMs: number): number {
  return (budgetFraction * periodMs) / windowMs;
}

/**
 * Bad slices a timeslices SLO may have over a period (SRE Workbook ch. 2: 95 % of 1-minute
 * slices over 2 weeks → 1008). Rounded down; the epsilon absorbs 1 − 0.95 = 0.050000000000000044.
 */
export function allowedBadSlices(periodMs: number, sliceMs: number, target: number): number {
  return Math.floor((periodMs / sliceMs) * errorBudget(target) + 1e-9);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The period the Workbook's tiers are written for. */
export const SRE_PERIOD_MS = 30 * DAY_MS;

export interface BurnRateTier {
  readonly name: 'page-fast' | 'page-slow' | 'ticket-fast' | 'ticket-slow';
  /** Share of the period's budget the long window may spend before alerting. */
  readonly budgetFraction: number;
  /** Windows over a 30-day period; the short window is long/12 (SRE Workbook ch. 5). */
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
}

/**
 * SRE Workbook ch. 5 ("Multiwindow, Multi-Burn-Rate Alerts", table 5-8) as Sloth keeps it
 * (`internal/alert/windows/google-30d.yaml`). Factors follow from `burnRateFactor`:
 * 14.4, 6, 3, 1.
 */
export const BURN_RATE_TIERS: readonly BurnRateTier[] = [
  { name: 'page-fast', budgetFraction: 0.02, longWindowMs: HOUR_MS, shortWindowMs: 5 * 60_000 },
  { name: 'page-slow', budgetFraction: 0.05, longWindowMs: 6 * HOUR_MS, shortWindowMs: 30 * 60_000 },
  { name: 'ticket-fast', budgetFraction: 0.1, longWindowMs: DAY_MS, shortWindowMs: 2 * HOUR_MS },
  { name: 'ticket-slow', budgetFraction: 0.1, longWindowMs: 3 * DAY_MS, shortWindowMs: 6 * HOUR_MS },
];

/** The smallest windows a burn-rate guard uses, in slices: fewer makes one bad slice decisive. */
const MIN_LONG_WINDOW_SLICES = 5;
const MIN_SHORT_WINDOW_SLICES = 2;

export interface BurnRateGuardPlan {
  /** Both windows' burn rates must exceed this. */
  factor: number;
  longWindowMs: number;
  shortWindowMs: number;
  /** Share of the run's budget the long window spends at `factor`. */
  budgetFraction: number;
}

export interface BurnRateGuardOptions {
  /** The planned run length (baseline + fault + recovery): it plays the budget period. */
  runLengthMs: number;
  sliceMs?: number;
  tier?: BurnRateTier;
  /** Overrides from the experiment file (`burnRate.factor`, `burnRate.longWindow`). */
  factor?: number;
  longWindowMs?: number;
}

/**
 * Scales a Workbook tier to an experiment. The planned run length is the budget period; the
 * tier's long window keeps its share of the period (1 h of 30 d = 1/720 of the run), and at least
 * `MIN_LONG_WINDOW_SLICES`; the short window is long/12, and at least `MIN_SHORT_WINDOW_SLICES`
 * (never longer than the long one). The factor is recomputed for the long window actually used,
 * so the guard still means "this window alone spent `budgetFraction` of the run's budget",
 * and is at least 1: burning at 1 or less never exhausts the budget, so it is no reason to abort.
 * Unclamped, this gives the tier's own factor (14.4 for page-fast). Default tier: page-fast.
 */
export function planBurnRateGuard(options: BurnRateGuardOptions): BurnRateGuardPlan {
  const sliceMs = options.sliceMs ?? 1000;
  const tier = options.tier ?? BURN_RATE_TIERS[0]!;
  const scaledLongMs = (tier.longWindowMs * options.runLengthMs) / SRE_PERIOD_MS;
  const longWindowMs = options.longWindowMs ?? Math.max(scaledLongMs, MIN_LONG_WINDOW_SLICES * sliceMs);
  const shortWindowMs = Math.min(
    longWindowMs,
    Math.max(longWindowMs / 12, MIN_SHORT_WINDOW_SLICES * sliceMs),
  );
  const factor =
    options.factor ?? Math.max(1, burnRateFactor(tier.budgetFraction, longWindowMs, options.runLengthMs));
  return { factor, longWindowMs, shortWindowMs, budgetFraction: tier.budgetFraction };
}

/** The multiwindow rule: fire when, and only when, both windows burn faster than the factor. */
export function burnRateGuardFires(
  longBurnRate: number | null,
  shortBurnRate: number | null,
  factor: number,
): boolean {
  return longBurnRate !== null && shortBurnRate !== null && longBurnRate > factor && shortBurnRate > factor;
}
