import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSuiteJunit, renderSuiteMarkdown } from '../../reports/suite-render.js';
import { buildSuiteSummary, type SuiteEntryResult, type SuiteRecord } from '../../reports/suite-summary.js';
import type { RunSummary } from '../../reports/summary.js';

/** Real run summaries from the report golden fixtures. */
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../reports/fixtures/${name}/summary.json`, import.meta.url), 'utf8'),
  ) as RunSummary;
const PASS = fixture('demo-pass');
const BREACH = fixture('demo-breach');
const GUARD = fixture('demo-guard');
const sum = (...runs: RunSummary[]) => runs.reduce((total, r) => total + r.resilienceScore!, 0);

function ran(name: string, summary: RunSummary): SuiteEntryResult {
  return {
    name,
    file: `${name}.yaml`,
    vars: {},
    dir: name,
    status: 'ran',
    exitCode: summary.exitCode,
    outcome: summary.outcome,
    skipReason: null,
    summary,
  };
}

function record(entries: SuiteEntryResult[]): SuiteRecord {
  return {
    suite: 'day',
    description: null,
    runbook: null,
    file: 'day.yaml',
    startedAt: '2026-11-28T07:00:00.000Z',
    endedAt: '2026-11-28T07:01:00.000Z',
    durationMs: 60_000,
    continueOnFailure: true,
    interrupted: false,
    exitCode: Math.max(...entries.map((e) => e.exitCode ?? 0)),
    experiments: entries,
  };
}

describe('suite summary', () => {
  it('is the worst of the parts, with counts and the mean resilience score', () => {
    const s = buildSuiteSummary(record([ran('a', PASS), ran('b', BREACH), ran('c', GUARD)]));
    expect(s).toMatchObject({
      outcome: 'aborted',
      exitCode: 3,
      counts: { experiments: 3, passed: 1, failed: 2, skipped: 0 },
      resilienceScore: Math.round((10 * sum(PASS, BREACH, GUARD)) / 3) / 10,
    });
    expect(buildSuiteSummary(record([ran('a', PASS), ran('b', BREACH)]))).toMatchObject({
      outcome: 'slo_breached',
      exitCode: 1,
    });
  });

  it('renders one JUnit testsuite per experiment, named by the suite, and skipped ones as skipped', () => {
    const skipped: SuiteEntryResult = {
      ...ran('c', PASS),
      status: 'skipped',
      exitCode: null,
      outcome: null,
      summary: null,
      skipReason: 'the suite was interrupted by the operator',
    };
    const rec = record([ran('a', PASS), ran('b', BREACH), skipped]);
    const xml = renderSuiteJunit(
      buildSuiteSummary(rec),
      new Map([
        ['a', PASS],
        ['b', BREACH],
      ]),
    );
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml).toMatch(/<testsuites name="day" tests="7" failures="1" errors="0" skipped="1"/);
    expect(xml).toContain('<testsuite name="b" tests="3" failures="1"');
    expect(xml).toContain('classname="b.slo"');
    expect(xml).toContain('<skipped message="the suite was interrupted by the operator"/>');
    const md = renderSuiteMarkdown(buildSuiteSummary(rec));
    expect(md).toMatch(/^## FAILED: day/);
    expect(md).toContain('| 3 | c | SKIPPED | — |');
  });
});
