/**
 * Golden tests: every report format rendered from journals produced by real runs
 * (reports/fixtures/README.md says how they were made) must match the checked-in outputs byte
 * for byte. Nothing is normalised: no output may depend on the clock, the locale or the
 * machine. Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run reports`
 * and review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSliValue, sloValue } from '../engine/core/format.js';
import { reportFormats } from './formats/catalog.js';
import { loadRun } from './write.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const runs = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, 'journal.jsonl')))
  .map((d) => d.name);

describe.each(runs)('golden reports for %s', (name) => {
  const dir = join(FIXTURES, name);
  const run = loadRun(join(dir, 'journal.jsonl'));
  const rendered = new Map(
    reportFormats.values().map((f) => [f.fileName, f.render(run.summary, run.events)]),
  );

  it.each(reportFormats.values().map((f) => f.fileName))('%s matches the golden file', (fileName) => {
    const path = join(dir, fileName);
    if (UPDATE) writeFileSync(path, rendered.get(fileName)!);
    expect(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(rendered.get(fileName)).toBe(readFileSync(path, 'utf8'));
  });

  it('shows the same SLO numbers in every human-readable format', () => {
    for (const slo of run.summary.slos) {
      const value = sloValue(slo, slo.value);
      for (const file of ['summary.md', 'report.html', 'postmortem.md']) {
        expect(rendered.get(file), `${slo.name} ${value} in ${file}`).toContain(value);
      }
      if (slo.status !== 'met') expect(rendered.get('junit.xml')).toContain(`${slo.sli} ${value}`);
      for (const w of slo.windows) {
        expect(rendered.get('report.html')).toContain(sloValue(slo, w.value));
      }
    }
    for (const k of run.summary.keySlis) {
      for (const w of ['baseline', 'fault', 'recovery'] as const) {
        const value = formatSliValue(k.windows[w], k.unit);
        expect(rendered.get('report.html')).toContain(value);
        expect(rendered.get('postmortem.md')).toContain(value);
      }
    }
  });
});

describe('fixtures', () => {
  it('cover a passing run, a breached SLO, a guard trip, an infrastructure error, a fleet (dated and from before dating) and a truncated journal', () => {
    const outcome = (n: string) => loadRun(join(FIXTURES, n, 'journal.jsonl')).summary;
    expect(outcome('demo-pass')).toMatchObject({ complete: true, hypothesis: 'holds', exitCode: 0 });
    expect(outcome('demo-breach')).toMatchObject({ complete: true, hypothesis: 'rejected', exitCode: 1 });
    expect(outcome('demo-truncated')).toMatchObject({ complete: false, hypothesis: null, exitCode: null });
    expect(outcome('demo-guard')).toMatchObject({ complete: true, outcome: 'aborted', exitCode: 3 });
    expect(outcome('demo-guard').guardTrips).toHaveLength(1);
    expect(outcome('process-fails')).toMatchObject({ complete: true, outcome: 'error', exitCode: 4 });
    expect(outcome('fleet-small-queue').keySlis.some((k) => k.source === 'fleet')).toBe(true);
    // Message counts dated by send time (journal `dated`): the loss is in the fault window, and a
    // journal from before the dating rule still renders (its loss lands where it was declared).
    const lost = (n: string) => outcome(n).keySlis.find((k) => k.sli === 'messages_lost')!.windows;
    expect(lost('fleet-small-queue')).toMatchObject({ baseline: 0, recovery: 0 });
    expect(lost('fleet-small-queue').fault).toBeGreaterThan(1000);
    expect(lost('fleet-undated')).toMatchObject({ fault: 0 });
    expect(lost('fleet-undated').recovery).toBeGreaterThan(1000);
  });
});
