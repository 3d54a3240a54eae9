/**
 * The one formatter: every number a person reads (the terminal's table, the live line,
 * summary.md, junit.xml, report.html, postmortem.md, the suite's reports, `squall fleet`) is
 * turned into text here, so the same value reads the same everywhere. Values are computed
 * once (summary.ts); these only write them. Nothing here reads the clock or the locale:
 * reports must render byte for byte the same from the same journal. docs/reports.md states
 * the rules:
 * - three significant digits, trailing zeros dropped (`2.8 ms`, `449 ms`, `33.3 s`); from
 *   1 000 up, whole numbers with thousands separators (`1,412`, `12,000/s`);
 * - durations in ms below 1 s, seconds below 1 min (`4.5 s`), then `1 min 30 s`;
 * - ratios as percentages with 2 decimals, 3 from 99 % up; never rounded to 100 % or 0 %
 *   when they are not;
 * - objectives in the same style, exactly as written (`<= 10 s`, `>= 99.95%`);
 * - a value that would read the same as its objective's threshold without being it gets
 *   more digits (`500.4 ms > 500 ms`, not `500 ms > 500 ms`).
 */
import type { SloResult } from './journal-events.js';
import { parseObjective } from './units.js';

/** Significant digits of a measured value; an objective's threshold is printed exactly. */
const SIGNIFICANT = 3;
const EXACT = 12;

/** `1234567` → `1,234,567` (the integer part of a non-negative decimal string). */
function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number with `digits` significant digits (trailing zeros dropped), grouped from 1 000 up. */
export function formatNumber(value: number, digits = SIGNIFICANT): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '-∞' : '—';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  const rounded = Number(abs.toPrecision(digits));
  if (rounded >= 1000) return `${sign}${group(String(Math.round(abs)))}`;
  // Below 1e-6 toPrecision switches to exponents; nothing reported is that small.
  if (rounded < 1e-6) return `${sign}<0.000001`;
  return `${sign}${String(rounded)}`;
}

/** Milliseconds as a person reads them: `0.41 ms`, `449 ms`, `4.5 s`, `1 min 30 s`, `2 h 5 min`. */
export function formatMs(ms: number, digits = SIGNIFICANT): string {
  if (!Number.isFinite(ms)) return formatNumber(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  // Round first so 999.7 ms reads `1 s`, not `1,000 ms`.
  if (Number(abs.toPrecision(digits)) < 1000) return `${sign}${formatNumber(abs, digits)} ms`;
  if (Number((abs / 1000).toPrecision(digits)) < 60) return `${sign}${formatNumber(abs / 1000, digits)} s`;
  const exact = digits > SIGNIFICANT;
  const seconds = exact ? abs / 1000 : Math.round(abs / 1000);
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = Number((seconds % 60).toPrecision(EXACT));
  const parts = [h ? `${h} h` : '', min ? `${min} min` : '', s ? `${formatNumber(s, digits)} s` : ''];
  return `${sign}${parts.filter(Boolean).join(' ')}`;
}

/** A ratio as a percentage: `99.971%`, `64.75%`, `100%`; `decimals` overrides the rule. */
function formatPercent(ratio: number, decimals?: number): string {
  const pct = ratio * 100;
  if (Number.isInteger(Number(pct.toPrecision(EXACT)))) return `${Number(pct.toPrecision(EXACT))}%`;
  const places = decimals ?? (ratio >= 0.99 ? 3 : 2);
  const step = 10 ** places;
  // Never print 100% for less than all, nor 0% for more than nothing.
  let scaled = Math.round(pct * step);
  if (scaled >= 100 * step && ratio < 1) scaled = 100 * step - 1;
  if (scaled <= 0 && ratio > 0) return `<${Number((1 / step).toFixed(places))}%`;
  return `${Number((scaled / step).toFixed(places))}%`;
}

/** A value in its unit at a precision level (0: the rule; each level adds a digit). */
function formatAt(value: number, unit: string, level: number): string {
  const digits = SIGNIFICANT + level;
  if (unit === 'ratio') return formatPercent(value, level === 0 ? undefined : 3 + level);
  if (unit === 'ms') return formatMs(value, digits);
  if (unit === 'per_s') return `${formatNumber(value, digits)}/s`;
  return formatNumber(value, digits);
}

/** An objective's threshold in the SLI's unit, exactly: `500 ms`, `10 s`, `99.95%`, `0`. */
function thresholdText(value: number, unit: string): string {
  if (unit === 'ratio') return `${Number((value * 100).toPrecision(EXACT))}%`;
  if (unit === 'ms') return formatMs(value, EXACT);
  if (unit === 'per_s') return `${formatNumber(value, EXACT)}/s`;
  return formatNumber(value, EXACT);
}

function parsed(objective: string | undefined) {
  if (objective === undefined) return undefined;
  try {
    return parseObjective(objective);
  } catch {
    return undefined;
  }
}

/**
 * An SLI value in its unit: `99.71%`, `160 ms`, `4.5 s`, `400/s`, `1,412`; `no data` for null.
 * Give the SLO's objective so a value next to it never reads as its threshold unless it is.
 */
export function formatSliValue(value: number | null, unit: string, objective?: string): string {
  if (value === null) return 'no data';
  const text = formatAt(value, unit, 0);
  const o = parsed(objective);
  if (!o || value === o.value) return text;
  const threshold = thresholdText(o.value, unit);
  for (let level = 0; level <= 3; level++) {
    const t = formatAt(value, unit, level);
    if (t !== threshold) return t;
  }
  return text;
}

/** An objective in the style of the values: `<= 500ms` → `<= 500 ms`, `<= 10000ms` → `<= 10 s`. */
export function formatObjective(objective: string, unit?: string): string {
  const o = parsed(objective);
  if (!o) return objective;
  return `${o.op} ${thresholdText(o.value, unit ?? o.unit)}`;
}

/** Share of an error budget: `0%`, `37.5%`, `1,176%`, `≥100,000%` at the reported cap (budget.ts). */
export function formatBudget(ratio: number | null): string {
  if (ratio === null) return '—';
  if (ratio >= 1000) return '≥100,000%';
  return `${formatNumber(ratio * 100)}%`;
}

/** A burn rate: `0×`, `2.5×`, `≥1,000×` at the cap. */
export function formatBurnRate(rate: number | null): string {
  if (rate === null) return '—';
  if (rate >= 1000) return '≥1,000×';
  return `${formatNumber(rate)}×`;
}

/** The resilience score, 0–100 with at most one decimal (as engine/slo/score.ts rounds it). */
export function formatScore(score: number | null): string {
  return score === null ? '—' : `${Number(score.toFixed(1))}/100`;
}

/** A duration: `79 ms`, `4 s`, `14.8 s`, `1 min 30 s`; `—` for null. */
export function formatDuration(ms: number | null): string {
  return ms === null ? '—' : formatMs(ms);
}

/** An offset from the start of the baseline: `+3.004 s`, `-2.000 s`, `+1 min 01.234 s` (ms precision). */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const seconds = ((abs % 60_000) / 1000).toFixed(3);
  return minutes > 0 ? `${sign}${minutes} min ${seconds.padStart(6, '0')} s` : `${sign}${seconds} s`;
}

/** An ISO timestamp in UTC, seconds precision with milliseconds: `2026-11-28 05:17:51.803Z`. */
export function formatTimestamp(iso: string | null): string {
  return iso === null ? '—' : iso.replace('T', ' ');
}

/** A signed change: `+1.2 ms`, `-0.3 pp` (percentage points for ratios). */
export function formatDelta(delta: number | null, unit: string): string {
  if (delta === null) return '—';
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  const abs = Math.abs(delta);
  if (unit === 'ratio') return `${sign}${Number((abs * 100).toFixed(3))} pp`;
  return `${sign}${formatSliValue(abs, unit)}`;
}

const NEGATION: Record<string, string> = {
  '>=': '<',
  '>': '<=',
  '<=': '>',
  '<': '>=',
  '==': '!=',
  '!=': '==',
};

/** `>= 99.9%` → `< 99.9%`: how a breached value relates to the objective. */
export function negateObjective(objective: string): string {
  const m = /^\s*(>=|<=|==|!=|>|<)\s*(.*)$/.exec(objective);
  if (!m) return `misses ${objective}`;
  return `${NEGATION[m[1]!]} ${m[2]}`;
}

/**
 * Whether an SLO came out as the experiment expected: met, or breached under `expect:
 * breached` (a negative control). Null without data: nobody can tell.
 */
export function asExpected(slo: Pick<SloResult, 'status' | 'expect'>): boolean | null {
  return slo.status === 'nodata' ? null : slo.status === (slo.expect ?? 'met');
}

/** `2/3 SLOs met`, `1/3 SLOs met, 2 breached as expected`, or `no SLO scored`. */
export function sloCount(slos: readonly Pick<SloResult, 'status' | 'expect'>[]): string {
  if (slos.length === 0) return 'no SLO scored';
  const met = slos.filter((s) => s.status === 'met').length;
  const expected = breachedAsExpected(slos);
  return `${met}/${slos.length} SLOs met${expected ? `, ${expected} breached as expected` : ''}`;
}

/** How many SLOs breached under `expect: breached` (a negative control's breaches). */
export function breachedAsExpected(slos: readonly Pick<SloResult, 'status' | 'expect'>[]): number {
  return slos.filter((s) => s.expect === 'breached' && s.status === 'breached').length;
}

/** The CSS status class of an SLO's final status: by its expectation (an expected breach is good news). */
export function expectationClass(slo: Pick<SloResult, 'status' | 'expect'>): SloResult['status'] {
  const ok = asExpected(slo);
  return ok === null ? 'nodata' : ok ? 'met' : 'breached';
}

/** The status word every format uses; with `expect: breached`, relative to the expectation. */
export function formatStatus(status: SloResult['status'], expect: SloResult['expect'] = 'met'): string {
  if (expect === 'breached')
    return { met: 'NOT BREACHED', breached: 'breached as expected', nodata: 'no data' }[status];
  return { met: 'met', breached: 'BREACHED', nodata: 'no data' }[status];
}

type SloFacts = Pick<SloResult, 'sli' | 'value' | 'unit' | 'objective' | 'window' | 'status'>;

/** An SLO's value (or one window's) as every format shows it: against the SLO's objective. */
export function sloValue(slo: Pick<SloResult, 'unit' | 'objective'>, value: number | null): string {
  return formatSliValue(value, slo.unit, slo.objective);
}

/** `sli objective` as written for people: `latency_p99 <= 500 ms`. */
export function sloObjective(slo: Pick<SloResult, 'sli' | 'unit' | 'objective'>): string {
  return `${slo.sli} ${formatObjective(slo.objective, slo.unit)}`;
}

/**
 * The one-line verdict of an SLO, with its numbers:
 * `latency_p99 612 ms > 500 ms during the run window`, or `... met ...`; under `expect:
 * breached`, `..., as expected` or `expected a breach, but ... was met ...`.
 */
export function describeSlo(slo: SloFacts & Partial<Pick<SloResult, 'expect'>>) {
  if (slo.status === 'nodata') return `${slo.sli} had no data during the ${slo.window} window`;
  const objective = formatObjective(slo.objective, slo.unit);
  const relation = slo.status === 'met' ? objective : negateObjective(objective);
  const value = sloValue(slo, slo.value);
  const text = `${slo.sli} ${value} ${relation} during the ${slo.window} window`;
  if (slo.expect !== 'breached') return text;
  return slo.status === 'breached'
    ? `${text}, as expected`
    : `expected a breach, but ${slo.sli} ${value} ${objective} was met during the ${slo.window} window`;
}

/**
 * The banner word: how the run ended first (an abort, an error or a failed rollback says more
 * than the verdict on partial data), then the hypothesis; a negative control that held
 * (its expected breaches happened) reads `BREACHED AS EXPECTED`.
 */
export function verdictWord(summary: {
  hypothesis: string | null;
  complete: boolean;
  outcome: string;
  slos?: readonly Pick<SloResult, 'status' | 'expect'>[];
}): string {
  const byOutcome: Record<string, string> = {
    aborted: 'ABORTED',
    error: 'ERROR',
    rollback_failed: 'ROLLBACK FAILED',
  };
  if (byOutcome[summary.outcome]) return byOutcome[summary.outcome]!;
  if (!summary.complete && summary.hypothesis === null) return 'INCOMPLETE';
  if (summary.hypothesis === 'holds' && summary.slos?.some((s) => s.expect === 'breached'))
    return 'BREACHED AS EXPECTED';
  return (
    { holds: 'PASSED', rejected: 'FAILED', inconclusive: 'INCONCLUSIVE' }[summary.hypothesis ?? ''] ??
    'NO VERDICT'
  );
}
