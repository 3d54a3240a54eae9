/**
 * Operator actions in the reports: the `demo-operator` fixture (a real run's journal with the
 * control room's events inserted, reports/fixtures/README.md) shows each note, pause and resume
 * with who and when in report.html's timeline and table and in postmortem.md's "Notes from the
 * room"; an operator's abort names who pressed it. Runs without actions keep the prompt.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { renderHtml } from './html/page.js';
import { formatSinceStart, operatorActions } from './operator-actions.js';
import { renderPostmortem } from './postmortem.js';
import { buildSummary } from './summary.js';
import { loadRun } from './write.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const run = loadRun(join(FIXTURES, 'demo-operator', 'journal.jsonl'));

describe('operator actions in the reports', () => {
  it('reads who did what, and when from the run start', () => {
    expect(
      run.summary.operatorActions.map((a) => [a.action, a.by, formatSinceStart(a.sinceStartMs)]),
    ).toEqual([
      ['note', 'alice', '+00:03'],
      ['pause', 'alice', '+00:04'],
      ['resume', 'alice', '+00:05'],
      ['note', 'bob', '+00:07'],
    ]);
    expect(run.summary.operatorActions[0]!.text).toBe('on-call paged; watching p99 on the broker dashboard');
  });

  it('puts them in postmortem.md under "Notes from the room", between the timeline and what held', () => {
    const md = renderPostmortem(run.summary);
    const section = md.slice(md.indexOf('## Notes from the room'), md.indexOf('## What held'));
    expect(md.indexOf('## Timeline')).toBeLessThan(md.indexOf('## Notes from the room'));
    expect(section).toContain(
      '| +00:03 | alice | note | on-call paged; watching p99 on the broker dashboard |',
    );
    expect(section).toContain('| +00:04 | alice | paused | — |');
    expect(section).toContain('| +00:05 | alice | resumed | — |');
    expect(section).toContain(
      '| +00:07 | bob | note | p99 at 600 ms as the fault expects; no customer alert fired |',
    );
    // The system's timeline keeps the notes too, at their offset from the baseline.
    expect(md).toContain(
      '| +1.446 s | note from alice: on-call paged; watching p99 on the broker dashboard |',
    );
  });

  it("puts them in report.html's timeline (marks and journal events) and its own table", () => {
    const html = renderHtml(run.summary, run.events);
    expect(html.match(/data-operator-mark/g)).toHaveLength(4);
    expect(html).toContain('<title>alice paused the run (injections not yet made are held)</title>');
    expect(html).toContain(
      '<tr class="ev-note"><td class="num">+5.246 s</td><td>note</td><td>note from bob:',
    );
    expect(html.match(/data-operator-action="/g)).toHaveLength(4);
  });

  it('names who pressed abort', () => {
    const events = [
      ...run.events.filter((e) => e.type === 'run.start'),
      {
        seq: 1,
        t: run.events[0]!.t + 65_000,
        type: 'abort',
        reason: 'operator',
        detail: 'aborted by carol',
        by: 'carol',
      },
    ] as JournalEvent[];
    expect(operatorActions(events)).toMatchObject([{ action: 'abort', by: 'carol', sinceStartMs: 65_000 }]);
    const summary = buildSummary(events);
    expect(summary.timeline.at(-1)!.text).toBe('run aborted (operator by carol): aborted by carol');
    expect(renderPostmortem(summary)).toContain('| +01:05 | carol | aborted | aborted by carol |');
  });

  it('keeps a prompt when nobody acted, and adds no table to report.html', () => {
    const pass = loadRun(join(FIXTURES, 'demo-pass', 'journal.jsonl'));
    expect(pass.summary.operatorActions).toEqual([]);
    expect(renderPostmortem(pass.summary)).toContain(
      '_No operator action or note was recorded during the run',
    );
    expect(renderHtml(pass.summary, pass.events)).not.toContain('id="operator"');
  });
});
