/**
 * One real schedule end to end: `squall schedule run` in a child process, as a user runs it,
 * with a schedule whose 6-field cron names a second a few seconds ahead, of the history tests'
 * short local experiment (an HTTP service of this test's behind a fault proxy the run starts,
 * engine/history/test-support/quick-run.ts). The run fires within its minute, runs through the
 * same path as `squall run`, and is in the history started by the schedule, next to the
 * schedule's `fired` decision. Needs nothing beyond Node (no root, no network).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunHistory } from '../../history/history.js';
import {
  type Service,
  squall,
  startService,
  writeQuickExperiment,
} from '../../history/test-support/quick-run.js';

let dir: string;
let service: Service;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'squall-schedule-e2e-'));
  service = await startService();
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('squall schedule run', () => {
  it('fires a schedule of a short experiment at its second and records the run under its name', async () => {
    await writeQuickExperiment(dir, service, 'quick');
    // A second far enough ahead for the child to start (tsx, the loaders): 8 s.
    const fireAt = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000);
    const cron = `${fireAt.getUTCSeconds()} ${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`;
    const file = join(dir, 'quick-schedule.yaml');
    writeFileSync(
      file,
      `apiVersion: squall/v1
kind: Schedule
metadata: { name: quick-every-day }
cron: '${cron}'
timezone: UTC
run: { file: quick.yaml, vars: { latency: 2ms } }
startingDeadline: 30s
`,
    );
    const db = join(dir, 'history.db');
    const child = squall([
      'schedule',
      'run',
      file,
      '--history',
      db,
      '--runs',
      join(dir, 'runs'),
      '--max-runs',
      '1',
    ]);
    const code = await child.exit;
    expect(code, child.output()).toBe(0);
    expect(child.output()).toContain(`quick-every-day: next run ${fireAt.toISOString()}`);

    const history = openRunHistory(db);
    try {
      const [event, ...others] = history.scheduleEvents();
      expect(others).toEqual([]);
      expect(event).toMatchObject({
        schedule: 'quick-every-day',
        plannedAt: fireAt.toISOString(),
        decision: 'fired',
        reason: null,
        runState: 'finished',
        outcome: 'passed',
      });
      // Decided at its second (the timer's slack is milliseconds), well within its minute.
      const lateMs = Date.parse(event!.decidedAt) - fireAt.getTime();
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(2000);
      const run = history.getRun(event!.runId!);
      expect(run).toMatchObject({ experiment: 'quick', startedBy: 'schedule:quick-every-day', exitCode: 0 });
      expect(run.vars).toMatchObject({ latency: '2ms' });
    } finally {
      history.close();
    }
  }, 90_000);
});
