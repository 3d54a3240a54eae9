/**
 * What `squall run` prints when the run is over: the SLO table, the score, why the run stopped
 * (an abort, an infrastructure error with its cause, a leftover fault), the verdict line and the
 * files written. Rendered from the run's summary with the formatters of every other report, so
 * the terminal and the files read the same numbers.
 */
import {
  asExpected,
  breachedAsExpected,
  describeSlo,
  formatObjective,
  formatScore,
  formatStatus,
  sloValue,
} from '../engine/core/format.js';
import type { RunSummary } from './summary.js';

const OUTCOME_TEXT: Record<RunSummary['outcome'], string> = {
  passed: 'PASSED: every SLO met',
  slo_breached: 'FAILED: an SLO was breached',
  aborted: 'ABORTED: stopped early and rolled back',
  error: 'ERROR: the run could not complete; faults rolled back',
  rollback_failed: 'ROLLBACK FAILED: a fault may still be active',
  invalid: 'INVALID',
  incomplete: 'INCOMPLETE: the journal ends before the run did',
};

/** Rows padded to their widest cell, two spaces apart (so a reader or a test can split them). */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

export function renderTerminal(summary: RunSummary, paths: readonly string[]): string {
  const lines: string[] = [''];
  if (summary.slos.length) {
    lines.push(
      ...columns([
        ['SLO', 'window', 'value', 'objective', 'status'],
        ...summary.slos.map((slo) => [
          slo.name,
          slo.window,
          sloValue(slo, slo.value),
          formatObjective(slo.objective, slo.unit),
          formatStatus(slo.status, slo.expect),
        ]),
      ]),
    );
    // A negative control's breach that did not happen, in words (the status column says NOT BREACHED).
    for (const slo of summary.slos.filter((s) => s.expect === 'breached' && s.status === 'met'))
      lines.push(`${slo.name}: ${describeSlo(slo)}`);
  }
  if (summary.resilienceScore !== null)
    lines.push(`resilience score: ${formatScore(summary.resilienceScore)}`);
  if (summary.aborted) lines.push(`aborted (${summary.aborted.reason}): ${summary.aborted.detail}`);
  // A failed rollback's error goes to stderr in full (engine/app/commands/run.ts).
  if (summary.outcome !== 'rollback_failed')
    for (const e of summary.errors) lines.push(`${e.code}: ${e.message}`);
  for (const l of summary.leftovers) {
    lines.push(
      `LEFTOVER ${l.kind} (${l.faultId}) on ${l.where}: ${l.error}`,
      `  remove with: ${l.removeCommand}`,
    );
  }
  lines.push(`${outcomeText(summary)} (exit ${summary.exitCode ?? '—'})`);
  lines.push(...paths.map((p) => `  ${p}`));
  return `${lines.join('\n')}\n`;
}

/** The verdict line; a negative control says whether its expected breaches happened. */
function outcomeText(summary: RunSummary): string {
  const expected = breachedAsExpected(summary.slos);
  const unexpected = summary.slos.filter((s) => asExpected(s) === false);
  if (summary.outcome === 'passed' && expected > 0)
    return `BREACHED AS EXPECTED: ${expected} SLO(s) breached as the experiment expected, the rest met`;
  if (
    summary.outcome === 'slo_breached' &&
    unexpected.length > 0 &&
    unexpected.every((s) => s.status === 'met')
  )
    return 'FAILED: a breach the experiment expected did not happen';
  return OUTCOME_TEXT[summary.outcome];
}
