/**
 * Loading schedule files through the app's loader (the experiment or suite it runs is loaded
 * too): every problem at once, each positioned as file:line:col field.path: message; and what
 * `squall validate`, `squall run` and two schedules of one name make of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnyFile, loadScheduleFile, loadSpecFile } from '../app/load.js';
import { loadSchedules } from '../app/schedules.js';
import { formatSpecIssue, SpecError } from '../core/errors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-schedule-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function issuesOf(file: string): Promise<string[]> {
  try {
    await loadAnyFile(file, { label: file.slice(dir.length + 1) });
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue);
    throw err;
  }
  return [];
}

const demo = join(ROOT, 'experiments/demo-latency.yaml');

describe('schedule files', () => {
  it('load with the experiment they run, its SLOs known to the budget checks', async () => {
    const file = write(
      'ok.yaml',
      `apiVersion: squall/v1
kind: Schedule
metadata: { name: ok }
cron: '0 10 * * 1-5'
timezone: Europe/Berlin
run: { file: ${demo}, vars: { latency: 300ms } }
preconditions: { budgets: [{ slo: available }] }
`,
    );
    const loaded = await loadScheduleFile(file);
    expect(loaded.name).toBe('ok');
    expect(loaded.schedule).toMatchObject({ concurrency: 'forbid', startingDeadline: 300_000 });
    expect(loaded.run.vars).toEqual({ latency: '300ms' });
    expect(loaded.target).toEqual({
      kind: 'Experiment',
      name: 'demo-latency',
      experiments: [{ name: 'demo-latency', slos: ['available', 'fast-enough', 'recovers'] }],
    });
  });

  it('report every problem at once, positioned, the cron and timezone too when the schema fails', async () => {
    const file = write(
      'bad.yaml',
      `apiVersion: squall/v1
kind: Schedule
metadata: { name: bad }
cron: '61 * * * *'
timezone: Mars/Olympus
run: { file: nope.yaml }
concurency: queue
`,
    );
    expect(await issuesOf(file)).toEqual([
      'bad.yaml:4:7 cron: invalid cron expression: Invalid value for minute: 61',
      "bad.yaml:5:11 timezone: unknown timezone 'Mars/Olympus'; expected an IANA name such as 'Europe/Berlin' or 'UTC'",
      "bad.yaml:7:1 concurency: unknown field 'concurency' (did you mean 'concurrency'?); expected one of: apiVersion, blackouts, concurrency, cron, kind, metadata, preconditions, run, startingDeadline, timezone",
    ]);
  });

  it('check blackouts, budgets and the file it runs, whose own issues follow in its positions', async () => {
    write('broken.yaml', 'apiVersion: squall/v1\nkind: Experiment\nmetadata: { name: broken }\n');
    const file = write(
      'checks.yaml',
      `apiVersion: squall/v1
kind: Schedule
metadata: { name: checks }
cron: '0 0 30 2 *'
run: { file: broken.yaml }
blackouts:
  - { from: '2026-02-30', to: '2026-01-01' }
  - { days: [fri], from: '4pm', to: '23:59' }
`,
    );
    const issues = await issuesOf(file);
    expect(issues.slice(0, 5)).toEqual([
      "checks.yaml:4:7 cron: '0 0 30 2 *' never fires again (a date that does not exist, or one in the past)",
      "checks.yaml:5:14 run.file: 'broken.yaml' is invalid: 1 issue, listed below",
      "checks.yaml:7:13 blackouts[0].from: '2026-02-30' is not a date on the calendar",
      'checks.yaml:7:31 blackouts[0].to: ends before it starts (from 2026-02-30)',
      "checks.yaml:8:26 blackouts[1].from: expected a time of day such as '16:00' (a weekly window: it has days), got '4pm'",
    ]);
    // The experiment's own issue, named as the schedule names the file.
    expect(issues.slice(5)).toEqual(["broken.yaml:1:1 phases: missing required field 'phases'"]);
  });

  it('name a budget SLO the experiment does not have, with the ones it has', async () => {
    const file = write(
      'slo.yaml',
      `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: slo }\ncron: '@daily'\nrun: { file: ${demo} }\npreconditions: { budgets: [{ slo: availabel }] }\n`,
    );
    expect(await issuesOf(file)).toEqual([
      "slo.yaml:6:35 preconditions.budgets[0].slo: no SLO 'availabel' in experiment demo-latency; expected one of: available, fast-enough, recovers",
    ]);
  });

  it('run a suite too, its experiments counted for the budgets', async () => {
    const file = write(
      'suite.yaml',
      `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: day }\ncron: '@daily'\nrun: { file: ${join(ROOT, 'experiments/gameday.yaml')} }\n`,
    );
    const loaded = await loadScheduleFile(file);
    expect(loaded.target?.kind).toBe('Suite');
    expect(loaded.target?.experiments.map((e) => e.name)).toContain('broker-crash-herd');
  });

  it('are refused by squall run with where they go instead', async () => {
    const file = write(
      'ok2.yaml',
      `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: ok2 }\ncron: '@daily'\nrun: { file: ${demo} }\n`,
    );
    await expect(loadSpecFile(file, { label: 'ok2.yaml' })).rejects.toThrow(
      'ok2.yaml:2:7 kind: a Schedule is not run directly: give it to squall schedule run or squall serve --schedules',
    );
  });

  it('given together must have names of their own (SQUALL_SCHEDULE_NAME_TAKEN)', async () => {
    const text = `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: twin }\ncron: '@daily'\nrun: { file: ${demo} }\n`;
    write('twin-a.yaml', text);
    write('twin-b.yaml', text);
    await expect(loadSchedules(['twin-a.yaml', 'twin-b.yaml'], dir)).rejects.toMatchObject({
      code: 'SQUALL_SCHEDULE_NAME_TAKEN',
      message:
        "schedules twin-a.yaml and twin-b.yaml are both named 'twin'; decisions are recorded by name, so give one another metadata.name",
    });
  });

  it('the example in experiments/schedules/ validates', async () => {
    const [loaded] = await loadSchedules(['experiments/schedules/'], ROOT);
    expect(loaded).toMatchObject({
      name: 'weekday-gameday',
      target: { kind: 'Suite', name: 'monthly-gameday' },
    });
  });
});
