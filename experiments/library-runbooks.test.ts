/**
 * Runbooks and severities (docs/incidents.md): every runbook states the severities it covers in
 * one line, `**Severities covered:** P1, P2, P3.`, and covers every level its experiments can
 * raise: each SLO's `severity:` (P3 without one), each guard's (the SLO its burn rate watches,
 * else P2), and P3 for a negative control that did not breach. A suite's runbook covers what
 * its experiments can raise. Levels are computed the way reports/severity.ts computes a run's.
 * Needs: nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadExperimentText } from '../engine/app/load.js';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { SEVERITY_LEVELS, type Severity } from '../engine/core/severity.js';
import type { Experiment } from '../engine/spec/schema.js';
import { severityTable } from '../reports/severity.js';

const ROOT = new URL('../', import.meta.url).pathname;
const COVERED = /^\*\*Severities covered:\*\* (P[1-4](?:, P[1-4])*)\. /gm;

const runbooks = [
  ...readdirSync(join(ROOT, 'runbooks')).map((f) => `runbooks/${f}`),
  ...readdirSync(join(ROOT, 'docs/runbooks')).map((f) => `docs/runbooks/${f}`),
].filter((f) => f.endsWith('.md'));

function covered(runbook: string): Severity[] {
  const text = readFileSync(join(ROOT, runbook), 'utf8');
  const lines = [...text.matchAll(COVERED)];
  expect(lines, `${runbook}: one '**Severities covered:** P…' line`).toHaveLength(1);
  return lines[0]![1]!.split(', ') as Severity[];
}

/** The levels a run of this experiment can raise, each with what raises it. */
function raisable(experiment: Experiment): Map<Severity, string[]> {
  const start = { type: 'run.start', seq: 0, t: 0, spec: experiment } as unknown as JournalEvent;
  const table = severityTable([start]);
  const out = new Map<Severity, string[]>();
  const add = (level: Severity, what: string) => out.set(level, [...(out.get(level) ?? []), what]);
  for (const slo of experiment.slos) {
    if ((slo.expect ?? experiment.expect ?? 'met') === 'breached') add('P3', `negative control ${slo.name}`);
    else add(table.slo(slo.name), `SLO ${slo.name}`);
  }
  for (const guard of table.guardNames) add(table.guard(guard), `guard ${guard}`);
  return out;
}

const library = readdirSync(join(ROOT, 'experiments'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ file: f, text: readFileSync(join(ROOT, 'experiments', f), 'utf8') }));
const experiments = library
  .filter((f) => (parseYaml(f.text) as { kind?: string }).kind === 'Experiment')
  .map((f) => ({ file: f.file, experiment: loadExperimentText(f.text, f.file).experiment }));

describe('runbooks state the severities they cover', () => {
  it.each(runbooks)('%s', (runbook) => {
    const levels = covered(runbook);
    expect(levels, 'known levels, most severe first, once each').toEqual(
      SEVERITY_LEVELS.filter((l) => levels.includes(l)),
    );
  });

  it('the library sets severities on its SLOs (not every SLO is the default P3)', () => {
    const set = experiments.flatMap((e) => e.experiment.slos.filter((s) => s.severity !== undefined));
    expect(set.length).toBeGreaterThan(20);
    expect(new Set(set.map((s) => s.severity))).toEqual(new Set(['P1', 'P2']));
  });

  it.each(experiments.filter((e) => e.experiment.metadata.runbook).map((e) => [e.file, e] as const))(
    '%s: its runbook covers every level its SLOs and guards can raise',
    (_file, { experiment }) => {
      const levels = covered(experiment.metadata.runbook!);
      for (const [level, what] of raisable(experiment))
        expect(levels, `${experiment.metadata.runbook} should cover ${level} (${what.join(', ')})`).toContain(
          level,
        );
    },
  );

  it("a suite's runbook covers what its experiments can raise", () => {
    const suites = library.filter((f) => (parseYaml(f.text) as { kind?: string }).kind === 'Suite');
    expect(suites.length).toBeGreaterThan(0);
    for (const suite of suites) {
      const doc = parseYaml(suite.text) as {
        metadata: { runbook: string };
        experiments: { file?: string }[];
      };
      const levels = covered(doc.metadata.runbook);
      for (const step of doc.experiments.filter((s) => s.file)) {
        const part = experiments.find((e) => e.file === step.file!.replace(/^\.\//, ''))!;
        for (const level of raisable(part.experiment).keys())
          expect(levels, `${doc.metadata.runbook} covers ${level} (${step.file})`).toContain(level);
      }
    }
  });
});
