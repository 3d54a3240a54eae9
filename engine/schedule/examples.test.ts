/**
 * The schedule example and its two copies in docs/examples stay the same schedule: the
 * CronJob's cron, timeZone, concurrency and deadline are the Schedule's (and it is a valid
 * batch/v1 CronJob), and the GitHub Actions cron is the Schedule's 10:00 Berlin in UTC (winter).
 */
import { readFileSync } from 'node:fs';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSchedules } from '../app/schedules.js';
import { compileCron } from './cron.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string) => parse(readFileSync(`${ROOT}${path}`, 'utf8'));

describe('docs/examples', () => {
  it('the CronJob and the workflow run the schedule of experiments/schedules/weekday-gameday.yaml', async () => {
    const [loaded] = await loadSchedules(['experiments/schedules/weekday-gameday.yaml'], ROOT);
    const { schedule } = loaded!;
    const job = read('docs/examples/k8s-cronjob-gameday.yaml');
    new CronJob(job).validate();
    expect(job.spec).toMatchObject({
      schedule: schedule.cron,
      timeZone: schedule.timezone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: schedule.startingDeadline / 1000,
    });
    expect(schedule.concurrency).toBe('forbid');
    expect(job.spec.jobTemplate.spec.template.spec.containers[0].args.slice(0, 2)).toEqual([
      'run',
      'experiments/gameday.yaml',
    ]);

    const workflow = read('docs/examples/github-actions-gameday.yml');
    const utcCron = workflow.on.schedule[0].cron as string;
    // The same instants in a winter week, UTC against Berlin.
    const after = Date.parse('2026-01-04T00:00:00Z');
    const fires = (c: ReturnType<typeof compileCron>) => {
      const out: number[] = [];
      let at = after;
      for (let i = 0; i < 5; i++) {
        at = c.nextAfter(at)!;
        out.push(at);
      }
      return out;
    };
    expect(fires(compileCron(utcCron, 'UTC'))).toEqual(fires(loaded!.cron));
  });
});
