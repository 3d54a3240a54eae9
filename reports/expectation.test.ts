/**
 * Negative controls (`expect: breached`) in every report format: a run whose expected breach
 * happened reads "breached as expected" and passes; one whose expected breach did not happen
 * reads "expected a breach, but ... was met" and fails. Built from the demo-breach fixture's
 * real journal, with its breached SLO (latency_p99 605 ms against <= 500 ms) marked as expected.
 */
import { join } from 'node:path';
import { parse, type TestSuites } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { describeSlo, formatStatus, sloCount, verdictWord } from '../engine/core/format.js';
import { renderHtml } from './html/page.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderPostmortem } from './postmortem.js';
import type { RunSummary } from './summary.js';
import { loadRun } from './write.js';

const run = loadRun(join(import.meta.dirname, 'fixtures', 'demo-breach', 'journal.jsonl'));

/** The fixture as a negative control on `fast-enough`: it breached, as expected, so the run holds. */
function asNegativeControl(): RunSummary {
  const s = run.summary;
  return {
    ...s,
    hypothesis: 'holds',
    outcome: 'passed',
    exitCode: 0,
    slos: s.slos.map((x) => (x.name === 'fast-enough' ? { ...x, expect: 'breached' as const } : x)),
  };
}

/** The same control when the breach did not happen: the SLO met, the run rejected. */
function controlThatHeld(): RunSummary {
  const s = asNegativeControl();
  return {
    ...s,
    hypothesis: 'rejected',
    outcome: 'slo_breached',
    exitCode: 1,
    slos: s.slos.map((x) => (x.name === 'fast-enough' ? { ...x, status: 'met' as const, value: 42 } : x)),
  };
}

describe('negative controls in the reports', () => {
  it('the shared words: status, description, count, verdict', () => {
    const slo = asNegativeControl().slos.find((x) => x.name === 'fast-enough')!;
    expect(formatStatus('breached', 'breached')).toBe('breached as expected');
    expect(formatStatus('met', 'breached')).toBe('NOT BREACHED');
    expect(formatStatus('breached')).toBe('BREACHED');
    expect(describeSlo(slo)).toBe('latency_p99 614 ms > 500 ms during the run window, as expected');
    expect(describeSlo({ ...slo, status: 'met', value: 42 })).toBe(
      'expected a breach, but latency_p99 42 ms <= 500 ms was met during the run window',
    );
    expect(sloCount(asNegativeControl().slos)).toBe('2/3 SLOs met, 1 breached as expected');
    expect(verdictWord(asNegativeControl())).toBe('BREACHED AS EXPECTED');
    expect(verdictWord(controlThatHeld())).toBe('FAILED');
    expect(verdictWord(run.summary)).toBe('FAILED'); // unchanged without expect
  });

  it('summary.md, report.html and postmortem.md read "breached as expected"', () => {
    const s = asNegativeControl();
    const md = renderMarkdown(s);
    expect(md).toMatch(/^## BREACHED AS EXPECTED: demo-latency$/m);
    expect(md).toContain('2/3 SLOs met, 1 breached as expected');
    expect(md).toContain('| breached as expected |');
    const html = renderHtml(s, run.events);
    expect(html).toContain('data-verdict="BREACHED AS EXPECTED"');
    expect(html).toMatch(/class="banner passed"/);
    expect(html).toContain('<span class="met">breached as expected</span>');
    const pm = renderPostmortem(s);
    expect(pm).toContain('Verdict: **BREACHED AS EXPECTED**');
    expect(pm).toContain('breached as the experiment expected');
    expect(pm).not.toContain('Restore fast-enough');
  });

  it('junit.xml passes the expected breach and says so; fails a control whose breach did not happen', async () => {
    const passed = (await parse(renderJunit(asNegativeControl()))) as TestSuites;
    expect(passed).toMatchObject({ tests: 3, failures: 0 });
    const xml = renderJunit(asNegativeControl());
    expect(xml).toContain('name="fast-enough: latency_p99 &lt;= 500 ms (run, expected to breach)"');
    expect(xml).toContain(
      '<system-out>breached as expected: latency_p99 614 ms &gt; 500 ms during the run window, as expected</system-out>',
    );
    const failed = (await parse(renderJunit(controlThatHeld()))) as TestSuites;
    expect(failed).toMatchObject({ tests: 3, failures: 1 });
    const failure = failed.testsuite![0]!.testcase!.find((c) => c.failure)!.failure![0]!;
    expect(failure.type).toBe('not_breached');
    expect(failure.message).toMatch(/^expected a breach, but latency_p99 42 ms <= 500 ms was met/);
  });

  it('summary.md, report.html and postmortem.md of a control whose breach did not happen say why it failed', () => {
    const s = controlThatHeld();
    expect(renderMarkdown(s)).toContain(
      '- NOT BREACHED **fast-enough**: expected a breach, but latency_p99 42 ms <= 500 ms was met during the run window',
    );
    expect(renderHtml(s, run.events)).toContain(
      '<span class="breached">expected a breach, but latency_p99 42 ms &lt;= 500 ms was met during the run window</span>',
    );
    const pm = renderPostmortem(s);
    expect(pm).toContain('was expected to breach and did not');
    expect(pm).toContain('Check the negative control fast-enough');
  });
});
