/**
 * The operator's controls on a real run (real HTTP service behind a real fault proxy, probed
 * through it): pause holds an injection not yet made and resume lets it happen without running
 * past its planned end; a pause past that end skips the fault; a note and who took each action
 * are journaled; abort rolls back (traffic flows through the proxy again) and exits 3.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../core/errors.js';
import type { JournalEvent } from '../core/journal-events.js';
import { createRunControls } from './controls.js';
import { readJournal } from './journal.js';
import { experimentYaml, type Harness, httpGet, runYaml, startHarness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const find = <T extends JournalEvent['type']>(events: readonly JournalEvent[], type: T) =>
  events.filter((e): e is Extract<JournalEvent, { type: T }> => e.type === type);

// Baseline ends 1.25 s after t0 (preflight 500 ms + baseline 750 ms); the fault is due 500 ms later.
const DOWN = (duration: string) =>
  `  - { name: outage, kind: proxy.down, at: +500ms, duration: ${duration}, target: { proxy: svc-proxy } }`;
const PHASES = '{ preflight: 500ms, baseline: 750ms, fault: 3s, recovery: 750ms }';

describe('operator controls', () => {
  it('pause holds the injection; resume injects it, and it is reverted at its planned end', async () => {
    const controls = createRunControls();
    let resumedAt = 0;
    const result = await runYaml(h, experimentYaml(h, { faults: DOWN('2s'), phases: PHASES }), {
      controls,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'baseline') {
          controls.pause('alice');
          controls.note('alice', 'paged at +40 s');
          // The fault is due 1250 ms after this (baseline 750 ms, then +500ms); resume 500 ms
          // after that: it must not be injected before.
          setTimeout(() => {
            resumedAt = Date.now();
            controls.resume('bob');
          }, 1750);
        }
      },
    });
    expect(result.exitCode).toBe(ExitCode.ok);
    const events = readJournal(result.journalPath).events;
    const [injected] = find(events, 'fault.injected');
    const [reverted] = find(events, 'fault.reverted');
    const t0 = events.find((e) => e.type === 'phase' && e.phase === 'preflight')!.t;
    const dueMs = injected!.plannedT;
    expect(dueMs).toBe(t0 + 1750);
    // The control room shows how to undo it by hand: journaled with the injection.
    expect(injected!.removeCommand).toMatch(/\S/);
    // Nothing was injected while paused: the injection follows the resume.
    expect(injected!.t).toBeGreaterThanOrEqual(resumedAt - 5);
    expect(injected!.t - dueMs).toBeGreaterThanOrEqual(400);
    // Never extended: reverted at the planned end (due + 2 s), not 2 s after the late start.
    expect(Math.abs(reverted!.t - (dueMs + 2000))).toBeLessThan(150);
    const ops = events.flatMap((e) =>
      e.type === 'operator.pause' || e.type === 'operator.resume' || e.type === 'operator.note'
        ? [[e.type, e.by, e.text]]
        : [],
    );
    expect(ops).toEqual([
      ['operator.pause', 'alice', undefined],
      ['operator.note', 'alice', 'paged at +40 s'],
      ['operator.resume', 'bob', undefined],
    ]);
    expect(await httpGet(h.proxyPort)).toBe(200);
  });

  it('a pause that outlasts the fault’s planned end skips it: nothing is injected', async () => {
    const controls = createRunControls();
    const result = await runYaml(h, experimentYaml(h, { faults: DOWN('500ms'), phases: PHASES }), {
      controls,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'baseline') controls.pause('alice');
        if (e.type === 'phase' && e.phase === 'recovery') controls.resume('alice');
      },
    });
    const events = readJournal(result.journalPath).events;
    expect(find(events, 'fault.injected')).toEqual([]);
    expect(find(events, 'fault.skipped').map((e) => [e.name, e.reason])).toEqual([
      ['outage', 'the run was paused until after its planned end'],
    ]);
    expect(h.proxy.enabled).toBe(true);
  });

  it('abort from the controls rolls the fault back and exits 3, naming who pressed it', async () => {
    const controls = createRunControls();
    const result = await runYaml(
      h,
      experimentYaml(h, {
        faults: DOWN('10s'),
        phases: '{ preflight: 500ms, baseline: 750ms, fault: 11s, recovery: 750ms }',
      }),
      {
        controls,
        onEvent: (e) => {
          if (e.type === 'fault.injected') setTimeout(() => controls.abort('carol'), 300);
        },
      },
    );
    expect(result.exitCode).toBe(ExitCode.aborted);
    expect(result.aborted).toEqual({ reason: 'operator', detail: 'aborted by carol', by: 'carol' });
    const events = readJournal(result.journalPath).events;
    expect(find(events, 'abort').map((e) => [e.reason, e.by])).toEqual([['operator', 'carol']]);
    expect(find(events, 'fault.reverted')).toHaveLength(1);
    expect(h.proxy.enabled).toBe(true);
    expect(await httpGet(h.proxyPort)).toBe(200);
  });

  it('an abort while paused releases the held injection without injecting it', async () => {
    const controls = createRunControls();
    const result = await runYaml(h, experimentYaml(h, { faults: DOWN('2s'), phases: PHASES }), {
      controls,
      onEvent: (e) => {
        if (e.type === 'phase' && e.phase === 'baseline') controls.pause('alice');
        if (e.type === 'phase' && e.phase === 'fault') setTimeout(() => controls.abort('alice'), 800);
      },
    });
    expect(result.exitCode).toBe(ExitCode.aborted);
    expect(find(readJournal(result.journalPath).events, 'fault.injected')).toEqual([]);
    expect(h.proxy.enabled).toBe(true);
  });
});
