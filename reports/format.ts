/**
 * The one set of formatters every report format uses, so a number reads the same in
 * summary.md, junit.xml, report.html and postmortem.md ("same numbers in every format").
 * Values are computed once (summary.ts); these only turn them into text. Nothing here reads
 * the clock or the locale: reports must render byte-for-byte the same from the same journal.
 */
import type { SloResult } from '../engine/run/journal-events.js';
import { formatDurationMs } from '../engine/spec/units.js';

/** An SLI value in its unit: `99.71%`, `159.62ms`, `12/s`, `3`; `no data` for null. */
export function formatSliValue(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  if (unit === 'ratio') return `${(value * 100).toFixed(3).replace(/\.?0+$/, '')}%`;
  if (unit === 'ms') return `${Number(value.toFixed(2))}ms`;
  if (unit === 'per_s') return `${Number(value.toFixed(2))}/s`;
  return String(Number(value.toFixed(3)));
}

/** Share of an error budget: `0%`, `37.5%`, `≥100000%` at the reported cap (budget.ts). */
export function formatBudget(ratio: number | null): string {
  if (ratio === null) return '—';
  if (ratio >= 1000) return '≥100000%';
  return `${Number((ratio * 100).toFixed(1))}%`;
}

/** A burn rate: `0×`, `2.5×`. */
export function formatBurnRate(rate: number | null): string {
  if (rate === null) return '—';
  if (rate >= 1000) return '≥1000×';
  return `${Number(rate.toFixed(2))}×`;
}

/** The resilience score, 0–100 with at most one decimal. */
export function formatScore(score: number | null): string {
  return score === null ? '—' : `${Number(score.toFixed(1))}/100`;
}

/** A duration: `3s`, `996ms`, `1m30s`. */
export function formatDuration(ms: number | null): string {
  return ms === null ? '—' : formatDurationMs(ms);
}

/** An offset from the start of the baseline: `+3.004s`, `-2.000s` (millisecond precision). */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const seconds = ((abs % 60_000) / 1000).toFixed(3);
  return minutes > 0 ? `${sign}${minutes}m${seconds.padStart(6, '0')}s` : `${sign}${seconds}s`;
}

/** An ISO timestamp in UTC, seconds precision with milliseconds: `2026-11-28 05:17:51.803Z`. */
export function formatTimestamp(iso: string | null): string {
  return iso === null ? '—' : iso.replace('T', ' ');
}

/** A signed change: `+1.2ms`, `-0.3%` (percentage points for ratios). */
export function formatDelta(delta: number | null, unit: string): string {
  if (delta === null) return '—';
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  const abs = Math.abs(delta);
  if (unit === 'ratio') return `${sign}${Number((abs * 100).toFixed(3))}pp`;
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

/**
 * The one-line verdict of an SLO, with its numbers:
 * `latency_p99 612.35ms > 500ms during the run window`, or `... met ...`; under `expect:
 * breached`, `..., as expected` or `expected a breach, but ... was met ...`.
 */
export function describeSlo(
  slo: Pick<SloResult, 'sli' | 'value' | 'unit' | 'objective' | 'window' | 'status'> &
    Partial<Pick<SloResult, 'expect'>>,
) {
  const value = formatSliValue(slo.value, slo.unit);
  if (slo.status === 'nodata') return `${slo.sli} had no data during the ${slo.window} window`;
  const relation = slo.status === 'met' ? slo.objective : negateObjective(slo.objective);
  const text = `${slo.sli} ${value} ${relation} during the ${slo.window} window`;
  if (slo.expect !== 'breached') return text;
  return slo.status === 'breached'
    ? `${text}, as expected`
    : `expected a breach, but ${slo.sli} ${value} ${slo.objective} was met during the ${slo.window} window`;
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
