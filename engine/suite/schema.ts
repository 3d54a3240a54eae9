/**
 * Suite format v1: a game day as a file. A suite lists experiment files to run in order, with
 * per-experiment `vars` and pauses between them; `squall run` and `squall validate` tell it
 * from an experiment by its `kind`.
 *
 *   apiVersion: squall/v1
 *   kind: Suite
 *   metadata: { name: monthly-gameday, runbook: runbooks/gameday.md }
 *   vars: { devices: 200 }                  # overridable: --var devices=2000
 *   experiments:
 *     - file: edge-cloud-partition.yaml     # relative to the suite file
 *       vars: { devices: "${devices}" }
 *     - pause: 5s
 *     - { file: broker-crash-herd.yaml, name: herd-immediate, vars: { strategy: immediate } }
 *   continueOnFailure: true                 # default false: stop after the first failure
 */
import { z } from 'zod';
import { describeInput } from '../core/units.js';
import { Duration, Metadata } from '../spec/schema.js';

const VarValue = z.union([z.string(), z.number(), z.boolean()]);

/** Experiments and pauses one suite may list. */
const MAX_SUITE_STEPS = 100;

/** One experiment of the suite. */
export const SuiteExperiment = z.strictObject({
  file: z.string().min(1).meta({ description: "The experiment file, relative to the suite's file." }),
  name: Metadata.shape.name.optional().meta({
    description:
      "How the suite names this run (its output directory, its JUnit testsuite); default the experiment's metadata.name. Needed when one file runs twice.",
  }),
  vars: z
    .record(z.string(), VarValue)
    .optional()
    .meta({ description: "Overrides of the experiment's vars, as --var would give them." }),
});

/** A pause between experiments: time for the system (and the people watching it) to settle. */
export const SuitePause = z.strictObject({ pause: Duration });

export const SuiteStepSpec = z.union([SuiteExperiment, SuitePause]);

export const Suite = z.strictObject({
  apiVersion: z.literal('squall/v1', {
    error: (iss) => `expected 'squall/v1', got ${describeInput(iss.input)}`,
  }),
  kind: z.literal('Suite', { error: (iss) => `expected 'Suite', got ${describeInput(iss.input)}` }),
  metadata: Metadata,
  vars: z.record(z.string(), VarValue).optional(),
  experiments: z
    .array(SuiteStepSpec)
    .min(1, { error: 'expected at least one experiment' })
    // Each entry reads and validates a file: a bound on the work one suite file can ask for.
    .max(MAX_SUITE_STEPS, { error: `expected at most ${MAX_SUITE_STEPS} steps; split the suite` }),
  continueOnFailure: z.boolean().default(false).meta({
    description:
      'Run the next experiments after one fails (breach, abort, error). A failed rollback always stops the suite.',
  }),
});

export type Suite = z.output<typeof Suite>;
export type SuiteStepSpec = z.output<typeof SuiteStepSpec>;
