/**
 * `junit.xml`: one testcase per SLO (and one per failed rollback) so CI test reporters show
 * each promise as a test. Failure messages carry the numbers.
 */
import type { SloResult } from '../engine/run/journal-events.js';
import type { RunSummary } from './summary.js';

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

export function formatSliValue(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  if (unit === 'ratio') return `${(value * 100).toFixed(3).replace(/\.?0+$/, '')}%`;
  if (unit === 'ms') return `${Number(value.toFixed(2))}ms`;
  if (unit === 'per_s') return `${Number(value.toFixed(2))}/s`;
  return String(Number(value.toFixed(3)));
}

function sloMessage(slo: SloResult): string {
  const value = formatSliValue(slo.value, slo.unit);
  if (slo.status === 'nodata') return `${slo.sli} had no data during the ${slo.window} window`;
  return `${slo.sli} ${value} does not meet ${slo.objective} during the ${slo.window} window`;
}

export function renderJunit(summary: RunSummary): string {
  const cases: string[] = [];
  let failures = 0;
  for (const slo of summary.slos) {
    const name = escapeXml(`${slo.name}: ${slo.sli} ${slo.objective} (${slo.window})`);
    if (slo.status === 'met') {
      cases.push(`    <testcase classname="${escapeXml(summary.experiment)}.slo" name="${name}"/>`);
    } else {
      failures++;
      const msg = escapeXml(sloMessage(slo));
      cases.push(
        `    <testcase classname="${escapeXml(summary.experiment)}.slo" name="${name}">\n      <failure message="${msg}" type="${slo.status}">${msg}</failure>\n    </testcase>`,
      );
    }
  }
  for (const l of summary.leftovers) {
    failures++;
    const msg = escapeXml(
      `${l.kind} (${l.faultId}) may still be active on ${l.where}: ${l.error}. Remove with: ${l.removeCommand}`,
    );
    cases.push(
      `    <testcase classname="${escapeXml(summary.experiment)}.rollback" name="${escapeXml(`rollback ${l.faultId}`)}">\n      <failure message="${msg}" type="rollback_failed">${msg}</failure>\n    </testcase>`,
    );
  }
  if (summary.aborted || !summary.complete) {
    failures++;
    const msg = escapeXml(
      summary.aborted
        ? `run aborted (${summary.aborted.reason}): ${summary.aborted.detail}`
        : 'journal incomplete',
    );
    cases.push(
      `    <testcase classname="${escapeXml(summary.experiment)}.run" name="run completed">\n      <failure message="${msg}" type="aborted">${msg}</failure>\n    </testcase>`,
    );
  }
  const seconds = ((summary.durationMs ?? 0) / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="squall" tests="${cases.length}" failures="${failures}" time="${seconds}">
  <testsuite name="${escapeXml(summary.experiment)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}" timestamp="${escapeXml(summary.startedAt)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
