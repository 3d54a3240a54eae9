/**
 * Schedule format v1: when an experiment (or a suite) runs by itself, and when it must not.
 * `squall serve --schedules FILE` and `squall schedule run FILE` fire it; `squall validate` and
 * `squall plan` check it like the other kinds (docs/schedules.md is the guide).
 *
 *   apiVersion: squall/v1
 *   kind: Schedule
 *   metadata: { name: weekday-broker-crash }
 *   cron: '0 10 * * 1-5'                    # croner syntax; 6 fields for seconds
 *   timezone: Europe/Berlin                 # IANA name, default UTC
 *   run: { file: broker-crash-herd.yaml, vars: { devices: 500 } }
 *   concurrency: forbid                     # or queue
 *   startingDeadline: 5m
 *   blackouts:
 *     - { name: year-end freeze, from: '2025-12-20', to: '2026-01-05' }
 *     - { name: into the weekend, days: [fri, sat], from: '16:00', to: '23:59' }
 *   preconditions:
 *     budgets: [{ slo: delivery, maxConsumed: 80% }]
 *     prometheus:
 *       url: http://prometheus:9090
 *       unwellWhen: [{ query: 'ALERTS{alertstate="firing",severity="critical"}', reason: a critical alert fires }]
 */
import { z } from 'zod';
import { describeInput } from '../core/units.js';
import { Duration, Metadata, Percent } from '../spec/schema.js';

const VarValue = z.union([z.string(), z.number(), z.boolean()]);

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Blackouts and budget checks one schedule may list: a bound on the work one file asks for. */
const MAX_BLACKOUTS = 100;
export const MAX_CHECKS = 20;

/** A blackout's `from`/`to`: checked by load.ts (so a bad one does not hide the other problems). */
export const DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}([T ]([01]\d|2[0-3]):[0-5]\d)?$/;
export const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

const Timezone = z
  .string()
  .min(1)
  .meta({ description: "An IANA timezone such as 'Europe/Berlin' or 'UTC'." });

/**
 * A time no scheduled run may start. Without `days`: a stretch of the calendar (a change freeze),
 * `from`/`to` dates or dates and times. With `days`: every week, `from`–`to` times of day on the
 * days it starts on; `to` before `from` runs past midnight. `to` is inclusive (a date: the whole
 * day; a time: the whole minute). One object rather than a union, so a typo in either form is
 * reported against the form the author wrote (load.ts checks the forms).
 */
export const Blackout = z.strictObject({
  name: z.string().min(1).optional().meta({ description: 'Why: shown as the reason a run was skipped.' }),
  days: z
    .array(
      z.enum(WEEKDAYS, {
        error: (iss) => `expected a day ${WEEKDAYS.join(', ')}, got ${describeInput(iss.input)}`,
      }),
    )
    .min(1, { error: 'expected at least one day' })
    .optional()
    .meta({
      description: 'A weekly window: the days it starts on; from/to are then times of day (HH:MM).',
    }),
  from: z.string().meta({
    description:
      'A date (YYYY-MM-DD), a date and time (YYYY-MM-DDTHH:MM), or with days: a time of day (HH:MM).',
  }),
  to: z.string().meta({ description: 'Inclusive: a date covers its whole day, a time its whole minute.' }),
  timezone: Timezone.optional().meta({ description: "Default the schedule's timezone." }),
});

/** Skip when an SLO's error budget across the history is already spent beyond `maxConsumed`. */
const BudgetCheck = z.strictObject({
  slo: z.string().min(1).meta({ description: 'An SLO of the experiment (its name).' }),
  experiment: z.string().min(1).optional().meta({
    description:
      'Whose runs to count; default the experiment the schedule runs (each experiment of a suite that has the SLO).',
  }),
  maxConsumed: Percent.default(1).meta({
    description: "Skip when more than this is consumed; default '100%'.",
  }),
  days: z.number().int().min(1).max(3650).default(30).meta({ description: 'The period counted, in days.' }),
});

/** Skip when an expression returns anything: a non-empty vector, or a scalar above 0. */
const PrometheusCheck = z.strictObject({
  query: z.string().min(1).max(4096).meta({
    description:
      'PromQL written as an alert condition: any series returned (or a scalar > 0) means the platform is unwell, e.g. \'up{job="broker"} == 0\'.',
  }),
  reason: z.string().min(1).optional().meta({ description: 'What unwell means here, for the skip record.' }),
});

export const Preconditions = z.strictObject({
  budgets: z.array(BudgetCheck).max(MAX_CHECKS).optional(),
  prometheus: z
    .strictObject({
      url: z.url({
        protocol: /^https?$/,
        error: 'expected the Prometheus base URL, e.g. http://prometheus:9090',
      }),
      timeout: Duration.default(5000).meta({ description: "How long one query may take; default '5s'." }),
      unwellWhen: z.array(PrometheusCheck).min(1).max(MAX_CHECKS),
    })
    .optional(),
});

export const Schedule = z.strictObject({
  apiVersion: z.literal('squall/v1', {
    error: (iss) => `expected 'squall/v1', got ${describeInput(iss.input)}`,
  }),
  kind: z.literal('Schedule', { error: (iss) => `expected 'Schedule', got ${describeInput(iss.input)}` }),
  metadata: Metadata,
  cron: z.string().min(1).max(200).meta({
    description: "When to fire (croner syntax): 5 fields, or 6 with seconds first; e.g. '0 10 * * 1-5'.",
  }),
  timezone: Timezone.default('UTC'),
  run: z.strictObject({
    file: z.string().min(1).meta({ description: 'The experiment or suite file, relative to this file.' }),
    vars: z
      .record(z.string(), VarValue)
      .optional()
      .meta({ description: 'Overrides of its vars, as --var gives them.' }),
  }),
  concurrency: z.enum(['forbid', 'queue']).default('forbid').meta({
    description:
      'When the last run of this schedule is still going: forbid skips (recorded), queue starts it when free.',
  }),
  startingDeadline: Duration.default(300_000).meta({
    description:
      "A run missed by more than this (the server was down) is recorded as missed, not run late; default '5m'.",
  }),
  blackouts: z.array(Blackout).max(MAX_BLACKOUTS).optional(),
  preconditions: Preconditions.optional(),
});

export type Schedule = z.output<typeof Schedule>;
export type Blackout = z.output<typeof Blackout>;
export type BudgetCheck = z.output<typeof BudgetCheck>;
export type Preconditions = z.output<typeof Preconditions>;
