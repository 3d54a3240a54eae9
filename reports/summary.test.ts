/** summary.json from journals that are not whole: never a throw, always a reason. */
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { reportFormats } from './formats/catalog.js';
import { buildSummary } from './summary.js';

const start = {
  seq: 0,
  t: 1_000_000,
  type: 'run.start',
  runId: 'r1',
  experiment: 'x',
  file: 'x.yaml',
  spec: { metadata: { name: 'x' }, slos: [] },
  squallVersion: '0.1.0',
  node: 'v20',
  host: 'h',
  plan: { preflightMs: 1000, baselineMs: 1000, faultMs: 1000, recoveryMs: 1000 },
} as JournalEvent;

describe('buildSummary on partial journals', () => {
  it.each([
    ['an empty journal', [] as JournalEvent[]],
    ['only run.start', [start]],
    [
      'a preflight abort',
      [
        start,
        { seq: 1, t: 1_000_100, type: 'phase', phase: 'preflight' },
        { seq: 2, t: 1_001_100, type: 'abort', reason: 'preflight', detail: 'steady state does not hold' },
        { seq: 3, t: 1_001_200, type: 'run.end', exitCode: 3, outcome: 'aborted' },
      ] as JournalEvent[],
    ],
  ])('renders every format for %s', (_name, events) => {
    const summary = buildSummary(events, [{ line: 7, error: 'Unexpected end of JSON input' }]);
    expect(summary.complete).toBe(false);
    expect(summary.problems[0]).toBe(
      'journal line 7 is unreadable (Unexpected end of JSON input); it was skipped',
    );
    for (const format of reportFormats.values())
      expect(format.render(summary, events).length).toBeGreaterThan(0);
  });

  it('says which events are missing', () => {
    expect(buildSummary([start]).problems).toEqual([
      'the journal has no verdict: the run was not scored',
      'the journal has no run.end event: the run did not finish (or the file was cut short)',
    ]);
  });
});
