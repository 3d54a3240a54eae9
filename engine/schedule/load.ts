/**
 * Loading a schedule file: YAML with positions and `${var}` substitution (engine/spec's reader)
 * → zod schema → the checks zod cannot make: the cron expression and timezones are usable, the
 * blackout ranges are real dates in order, the schedule fires at least once more, and the
 * experiment or suite it runs loads with its vars (through `checkTarget`, which the app gives:
 * this layer knows no suite loader). Issues in the schedule are positioned in it; issues inside
 * the target keep that file's own positions.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isSquallError, SpecError, type SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import { describeInput } from '../core/units.js';
import { readSpecFile } from '../spec/read-spec.js';
import { type RecordedSourceMap, sortIssues } from '../spec/source-map.js';
import { readYamlSource, type YamlSource } from '../spec/yaml-source.js';
import { friendlyZodError, specIssuesFromZod } from '../spec/zod-issues.js';
import { rangeStamps } from './blackout.js';
import { type CronClock, compileCron, cronProblem } from './cron.js';
import { type Blackout, CLOCK, DATE_OR_TIME, Schedule } from './schema.js';
import { isKnownTimezone } from './wall-clock.js';

/** What the schedule runs, as the app's loader found it. */
export interface ScheduleTarget {
  kind: 'Experiment' | 'Suite';
  /** The experiment's name, or the suite's. */
  name: string;
  /** Each experiment it runs, with the names of its SLOs (for the budget preconditions). */
  experiments: { name: string; slos: string[] }[];
}

/** Loads the target file (SpecError with its issues when it does not load). */
export type CheckTarget = (
  file: string,
  label: string,
  vars: Record<string, string>,
) => Promise<ScheduleTarget>;

export interface LoadedSchedule {
  /** Absolute path of the schedule file. */
  file: string;
  label: string;
  schedule: Schedule;
  /** `metadata.name`: how decisions and runs name the schedule. */
  name: string;
  cron: CronClock;
  run: { file: string; label: string; vars: Record<string, string> };
  /** Undefined when no `checkTarget` was given. */
  target?: ScheduleTarget;
}

export interface LoadScheduleOptions {
  label?: string;
  vars?: Record<string, string>;
  maxFileBytes?: number;
  checkTarget?: CheckTarget;
}

export async function loadScheduleFile(
  path: string,
  opts: LoadScheduleOptions = {},
): Promise<LoadedSchedule> {
  const label = opts.label ?? path;
  const text = await readSpecFile(path, label, 'schedule', { maxBytes: opts.maxFileBytes });
  return scheduleFromSource(readYamlSource(text, label, opts.vars), path, opts);
}

/** As `loadScheduleFile`, for a file already read as YAML. Throws SpecError with every issue. */
export async function scheduleFromSource(
  yaml: YamlSource,
  path: string,
  opts: LoadScheduleOptions = {},
): Promise<LoadedSchedule> {
  const label = opts.label ?? path;
  const { value, source, issues: walkIssues } = yaml;
  const issues: SpecIssue[] = [...walkIssues];
  const targetIssues: SpecIssue[] = [];
  const parsed = Schedule.safeParse(value, { error: friendlyZodError });
  if (!parsed.success) {
    const varPaths = new Set(walkIssues.map((i) => i.path));
    issues.push(
      ...specIssuesFromZod(parsed.error.issues, { schema: Schedule, input: value, source }).filter(
        (i) => !varPaths.has(i.path),
      ),
    );
    // The cron and timezone are checked even so, so one run shows every problem.
    const raw = value as { cron?: unknown; timezone?: unknown };
    const timezone = raw.timezone ?? 'UTC';
    if (typeof raw.cron === 'string' && typeof timezone === 'string')
      checkCron(raw.cron, timezone, source, issues);
    throw new SpecError(sortIssues(issues));
  }
  const schedule = parsed.data;
  const cron = checkTimes(schedule, source, issues);
  const runFile = schedule.run.file;
  const run = {
    file: resolve(dirname(path), runFile),
    label: isAbsolute(runFile) ? runFile : join(dirname(label), runFile),
    vars: Object.fromEntries(Object.entries(schedule.run.vars ?? {}).map(([k, v]) => [k, String(v)])),
  };
  let target: ScheduleTarget | undefined;
  if (opts.checkTarget) {
    target = await loadTarget(opts.checkTarget, run, source, issues, targetIssues);
    if (target) checkBudgets(schedule, target, source, issues);
  }
  const all = [...sortIssues(issues), ...targetIssues];
  if (all.length > 0 || !cron) throw new SpecError(all);
  return { file: path, label, schedule, name: schedule.metadata.name, cron, run, target };
}

function checkTimes(
  schedule: Schedule,
  source: RecordedSourceMap,
  issues: SpecIssue[],
): CronClock | undefined {
  const zoneIssue = (path: (string | number)[], zone: string) =>
    source.issue(
      path,
      `unknown timezone '${excerpt(zone)}'; expected an IANA name such as 'Europe/Berlin' or 'UTC'`,
    );
  for (const [i, b] of (schedule.blackouts ?? []).entries()) {
    if (b.timezone !== undefined && !isKnownTimezone(b.timezone))
      issues.push(zoneIssue(['blackouts', i, 'timezone'], b.timezone));
    const form = formIssues(b, i, source);
    issues.push(...form);
    if (b.days || form.length > 0) continue;
    for (const end of ['from', 'to'] as const) {
      if (!isRealDate(b[end]))
        issues.push(source.issue(['blackouts', i, end], `'${b[end]}' is not a date on the calendar`));
    }
    const { from, to } = rangeStamps(b);
    if (from > to)
      issues.push(source.issue(['blackouts', i, 'to'], `ends before it starts (from ${b.from})`));
  }
  return checkCron(schedule.cron, schedule.timezone, source, issues);
}

function checkCron(
  expression: string,
  timezone: string,
  source: RecordedSourceMap,
  issues: SpecIssue[],
): CronClock | undefined {
  if (!isKnownTimezone(timezone)) {
    issues.push(
      source.issue(
        ['timezone'],
        `unknown timezone '${excerpt(timezone)}'; expected an IANA name such as 'Europe/Berlin' or 'UTC'`,
      ),
    );
    // The expression is still worth checking: in UTC, its errors do not depend on the zone.
    checkCron(expression, 'UTC', source, issues);
    return undefined;
  }
  let cron: CronClock;
  try {
    cron = compileCron(expression, timezone);
  } catch (err) {
    issues.push(source.issue(['cron'], `invalid cron expression: ${cronProblem(err)}`));
    return undefined;
  }
  if (cron.nextAfter(Date.now()) === undefined)
    issues.push(
      source.issue(
        ['cron'],
        `'${excerpt(expression)}' never fires again (a date that does not exist, or one in the past)`,
      ),
    );
  return cron;
}

/** With `days`, times of day; without, dates or dates and times. */
function formIssues(b: Blackout, i: number, source: RecordedSourceMap): SpecIssue[] {
  return (['from', 'to'] as const).flatMap((end) => {
    const text = b[end];
    if (b.days && !CLOCK.test(text))
      return [
        source.issue(
          ['blackouts', i, end],
          `expected a time of day such as '16:00' (a weekly window: it has days), got ${describeInput(text)}`,
        ),
      ];
    if (!b.days && !DATE_OR_TIME.test(text))
      return [
        source.issue(
          ['blackouts', i, end],
          `expected a date '2025-12-20' or a date and time '2025-12-20T16:00', got ${describeInput(text)}`,
        ),
      ];
    return [];
  });
}

/** `2025-02-30` matches the pattern but is no day; Date rolls it over, which is how we catch it. */
function isRealDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

async function loadTarget(
  checkTarget: CheckTarget,
  run: LoadedSchedule['run'],
  source: RecordedSourceMap,
  issues: SpecIssue[],
  targetIssues: SpecIssue[],
): Promise<ScheduleTarget | undefined> {
  const at = ['run', 'file'];
  try {
    return await checkTarget(run.file, run.label, run.vars);
  } catch (err) {
    if (err instanceof SpecError && err.code === 'SQUALL_SPEC_UNREADABLE') {
      const reason = err.issues[0]?.message.replace(/^cannot read the \w+ file: /, '') ?? '';
      issues.push(source.issue(at, `cannot read '${excerpt(run.label)}': ${reason}`));
    } else if (err instanceof SpecError) {
      const n = err.issues.length;
      issues.push(
        source.issue(at, `'${excerpt(run.label)}' is invalid: ${n} issue${n === 1 ? '' : 's'}, listed below`),
      );
      targetIssues.push(...err.issues);
    } else if (isSquallError(err) && err.code === 'SQUALL_VAR_INVALID') {
      for (const line of err.message.split('\n')) {
        const name = /^--var ([^=]+)=/.exec(line)?.[1];
        issues.push(
          source.issue(['run', 'vars', ...(name ? [name] : [])], line.replace(/^--var [^:]*: /, ''), 'key'),
        );
      }
    } else {
      throw err;
    }
    return undefined;
  }
}

/** A budget check must name an SLO the runs it counts have. */
function checkBudgets(
  schedule: Schedule,
  target: ScheduleTarget,
  source: RecordedSourceMap,
  issues: SpecIssue[],
) {
  for (const [i, check] of (schedule.preconditions?.budgets ?? []).entries()) {
    if (check.experiment !== undefined) continue; // another experiment's history: nothing here to check against
    const having = target.experiments.filter((e) => e.slos.includes(check.slo));
    if (having.length > 0) continue;
    const known = [...new Set(target.experiments.flatMap((e) => e.slos))];
    issues.push(
      source.issue(
        ['preconditions', 'budgets', i, 'slo'],
        `no SLO '${excerpt(check.slo)}' in ${target.kind === 'Suite' ? 'any experiment of suite' : 'experiment'} ${target.name}; expected one of: ${known.join(', ') || '(none)'}`,
      ),
    );
  }
}
