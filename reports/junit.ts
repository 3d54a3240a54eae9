/**
 * `junit.xml`: one testcase per SLO (and one per failed rollback) so CI test reporters show
 * each promise as a test. Failure messages carry the numbers
 * (`latency_p99 612.35ms > 500ms during the run window`); the body has every window.
 * Shape: the Ant/Jenkins JUnit schema that GitHub, GitLab, Jenkins and junit2json read.
 */
import type { SloResult } from '../engine/run/journal-events.js';
import { asExpected, describeSlo, formatBudget, formatSliValue, formatStatus } from './format.js';
import type { RunSummary } from './summary.js';

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/** The failure body: the SLO in every window, so the CI page shows baseline vs fault vs recovery. */
function windowsText(slo: SloResult): string {
  return slo.windows
    .map(
      (w) =>
        `${w.window.padEnd(9)} ${formatSliValue(w.value, slo.unit).padEnd(12)} ${formatStatus(w.status).padEnd(9)} budget consumed ${formatBudget(w.budgetConsumed)}`,
    )
    .join('\n');
}

function failureMessage(slo: SloResult): string {
  const budget =
    slo.budgetConsumed === null ? '' : `; ${formatBudget(slo.budgetConsumed)} of the error budget consumed`;
  return `${describeSlo(slo)}${budget}`;
}

export interface JunitCase {
  classname: string;
  name: string;
  failure?: { type: string; message: string; body: string };
  /** What a passing case should still say (a negative control's breach), as `<system-out>`. */
  out?: string;
  /** Why the case did not run (a suite's skipped experiment). */
  skipped?: string;
}

export function renderCase(c: JunitCase): string {
  const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="0"`;
  if (c.skipped !== undefined)
    return `${open}>\n      <skipped message="${escapeXml(c.skipped)}"/>\n    </testcase>`;
  if (!c.failure && c.out !== undefined)
    return `${open}>\n      <system-out>${escapeXml(c.out)}</system-out>\n    </testcase>`;
  if (!c.failure) return `${open}/>`;
  return `${open}>\n      <failure message="${escapeXml(c.failure.message)}" type="${escapeXml(c.failure.type)}">${escapeXml(c.failure.body)}</failure>\n    </testcase>`;
}

/** One run as a `<testsuite>` element (indented for `<testsuites>`), and its counts. */
export function junitTestsuite(
  summary: RunSummary,
  name = summary.experiment,
): { xml: string; tests: number; failures: number; seconds: string } {
  const suite = name;
  const cases: JunitCase[] = summary.slos.map((slo) => ({
    classname: `${suite}.slo`,
    name: `${slo.name}: ${slo.sli} ${slo.objective} (${slo.window}${slo.expect === 'breached' ? ', expected to breach' : ''})`,
    failure: asExpected(slo)
      ? undefined
      : {
          // A negative control whose breach did not happen fails as `not_breached`.
          type: slo.status === 'met' ? 'not_breached' : slo.status,
          message: failureMessage(slo),
          body: `${failureMessage(slo)}\n${windowsText(slo)}`,
        },
    out:
      asExpected(slo) && slo.expect === 'breached' ? `breached as expected: ${describeSlo(slo)}` : undefined,
  }));
  for (const l of summary.leftovers) {
    const message = `${l.kind} (${l.faultId}) may still be active on ${l.where}: ${l.error}. Remove with: ${l.removeCommand}`;
    cases.push({
      classname: `${suite}.rollback`,
      name: `rollback ${l.faultId}`,
      failure: { type: 'rollback_failed', message, body: message },
    });
  }
  if (summary.aborted || !summary.complete) {
    const message = summary.aborted
      ? `run aborted (${summary.aborted.reason}): ${summary.aborted.detail}`
      : `journal incomplete: ${summary.problems.join('; ')}`;
    cases.push({
      classname: `${suite}.run`,
      name: 'run completed',
      failure: { type: 'aborted', message, body: message },
    });
  }
  const failures = cases.filter((c) => c.failure).length;
  const seconds = ((summary.durationMs ?? 0) / 1000).toFixed(3);
  const timestamp =
    summary.startedAt === 'unknown' ? '' : ` timestamp="${escapeXml(summary.startedAt.replace(/Z$/, ''))}"`;
  const xml = `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}"${timestamp} hostname="${escapeXml(summary.environment.host)}">
${cases.map(renderCase).join('\n')}
  </testsuite>`;
  return { xml, tests: cases.length, failures, seconds };
}

export function renderJunit(summary: RunSummary): string {
  const { xml, tests, failures, seconds } = junitTestsuite(summary);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="squall" tests="${tests}" failures="${failures}" errors="0" time="${seconds}">
${xml}
</testsuites>
`;
}
