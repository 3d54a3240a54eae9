/**
 * `junit.xml`: one testcase per SLO (and one per failed rollback) so CI test reporters show
 * each promise as a test. Failure messages carry the numbers
 * (`latency_p99 612.35ms > 500ms during the run window`); the body has every window.
 * Shape: the Ant/Jenkins JUnit schema that GitHub, GitLab, Jenkins and junit2json read.
 */

import {
  asExpected,
  describeSlo,
  formatBudget,
  formatStatus,
  sloObjective,
  sloValue,
} from '../engine/core/format.js';
import type { SloResult } from '../engine/core/journal-events.js';
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
        `${w.window.padEnd(9)} ${sloValue(slo, w.value).padEnd(12)} ${formatStatus(w.status).padEnd(9)} budget consumed ${formatBudget(w.budgetConsumed)}`,
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
  /** What the case took: an SLO's scored window, the whole run; 0 when it has no time of its own. */
  ms?: number;
  /** The promise was broken (an SLO breached, a rollback failed, the run aborted). */
  failure?: { type: string; message: string; body: string };
  /** The test could not run to a verdict: the run ended with an infrastructure error. */
  error?: { type: string; message: string; body: string };
  /** What a passing case should still say (a negative control's breach), as `<system-out>`. */
  out?: string;
  /** Why the case did not run (a suite's skipped experiment). */
  skipped?: string;
}

export function renderCase(c: JunitCase): string {
  const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="${seconds(c.ms ?? 0)}"`;
  if (c.skipped !== undefined)
    return `${open}>\n      <skipped message="${escapeXml(c.skipped)}"/>\n    </testcase>`;
  const problem = c.error
    ? (['error', c.error] as const)
    : c.failure
      ? (['failure', c.failure] as const)
      : null;
  if (!problem && c.out !== undefined)
    return `${open}>\n      <system-out>${escapeXml(c.out)}</system-out>\n    </testcase>`;
  if (!problem) return `${open}/>`;
  const [tag, p] = problem;
  return `${open}>\n      <${tag} message="${escapeXml(p.message)}" type="${escapeXml(p.type)}">${escapeXml(p.body)}</${tag}>\n    </testcase>`;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** How long an SLO watched the system: its window as the run scored it (summary.phases). */
function windowMs(summary: RunSummary, window: SloResult['window']): number {
  const scored = summary.phases.filter((p) => p.phase !== 'preflight');
  if (window === 'run') return scored.reduce((total, p) => total + p.durationMs, 0);
  return scored.find((p) => p.phase === window)?.durationMs ?? 0;
}

/** One run as a `<testsuite>` element (indented for `<testsuites>`), and its counts. */
export function junitTestsuite(
  summary: RunSummary,
  name = summary.experiment,
): { xml: string; tests: number; failures: number; errors: number; seconds: string } {
  const suite = name;
  const cases: JunitCase[] = summary.slos.map((slo) => ({
    classname: `${suite}.slo`,
    name: `${slo.name}: ${sloObjective(slo)} (${slo.window}${slo.expect === 'breached' ? ', expected to breach' : ''})`,
    ms: windowMs(summary, slo.window),
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
  const infra = summary.infrastructureError;
  if (infra) {
    cases.push({
      classname: `${suite}.run`,
      name: 'run completed',
      ms: summary.durationMs ?? 0,
      error: { type: infra.code, message: `${infra.code}: ${infra.cause}`, body: infra.message },
    });
  } else if (summary.aborted || !summary.complete) {
    const message = summary.aborted
      ? `run aborted (${summary.aborted.reason}): ${summary.aborted.detail}`
      : `journal incomplete: ${summary.problems.join('; ')}`;
    cases.push({
      classname: `${suite}.run`,
      name: 'run completed',
      ms: summary.durationMs ?? 0,
      failure: { type: 'aborted', message, body: message },
    });
  }
  const failures = cases.filter((c) => c.failure && !c.error).length;
  const errors = cases.filter((c) => c.error).length;
  const total = seconds(summary.durationMs ?? 0);
  const timestamp =
    summary.startedAt === 'unknown' ? '' : ` timestamp="${escapeXml(summary.startedAt.replace(/Z$/, ''))}"`;
  const xml = `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${total}"${timestamp} hostname="${escapeXml(summary.environment.host)}">
${cases.map(renderCase).join('\n')}
  </testsuite>`;
  return { xml, tests: cases.length, failures, errors, seconds: total };
}

export function renderJunit(summary: RunSummary): string {
  const { xml, tests, failures, errors, seconds } = junitTestsuite(summary);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="squall" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds}">
${xml}
</testsuites>
`;
}
