/**
 * zod schemas for the human units experiment files use (`30s`, `+5s`, `5000/s`, `99.9%`,
 * `>= 99.9%`): validated and converted to numbers. Shared by the experiment schema and the
 * fleet section (engine/spec/fleet-spec.ts), which is why they live apart from schema.ts.
 */
import { z } from 'zod';
import {
  describeInput,
  formatDurationMs,
  type Objective,
  parseDurationMs,
  parseObjective,
  parseOffsetMs,
  parsePercent,
  parseRatePerS,
  type UnitError,
} from './units.js';

function unit<T>(
  parse: (input: unknown) => T,
  pattern: RegExp,
  description: string,
  describe: (input: unknown) => string = describeInput,
) {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined ? 'required' : `expected ${description}, got ${describe(iss.input)}`,
    })
    .regex(pattern, { error: (iss) => `expected ${description}, got ${describe(iss.input)}` })
    .meta({ description })
    .transform((text, ctx): T => {
      try {
        return parse(text);
      } catch (err) {
        ctx.issues.push({ code: 'custom', message: (err as UnitError).message, input: text });
        return z.NEVER;
      }
    });
}

const DURATION = /^\+?\s*-?(\d+(\.\d+)?(ms|s|m|h|d))+$/;
export const Duration = unit(parseDurationMs, DURATION, "a duration such as '250ms', '30s' or '5m'");

/**
 * A free-form string that may hold a secret reference (`${env:NAME}`, `${file:PATH}`), resolved
 * only when the run starts (secret-refs.ts); the description says so in editors.
 */
export function secretText(what: string) {
  return z.string().meta({
    description: `${what}; may be a secret reference, resolved when the run starts: \${env:NAME} or \${file:PATH}`,
  });
}

/**
 * A duration of at least `minMs`: intervals (`every`, timeouts) where 0 would spin a loop.
 * Every duration is at most MAX_DURATION_MS already (parseDurationMs).
 */
export function DurationAtLeast(minMs: number) {
  return Duration.refine((ms) => ms >= minMs, {
    error: (iss) =>
      `must be at least ${formatDurationMs(minMs)}, got ${formatDurationMs(iss.input as number)}`,
  });
}
export const Offset = unit(parseOffsetMs, DURATION, "an offset such as '+0s' or '+30s' after the baseline");
export const Rate = unit(parseRatePerS, /^\s*\d+(\.\d+)?\s*\/\s*(s|m|h)\s*$/, "a rate such as '5000/s'");
export const Percent = unit(parsePercent, /^\s*-?\d+(\.\d+)?\s*%\s*$/, "a percentage such as '99.9%'");
export const ObjectiveText = unit<Objective>(
  parseObjective,
  /^\s*(>=|<=|==|!=|>|<)\s*\S.*$/,
  "an objective such as '>= 99.9%', '<= 500ms' or '== 0'",
  // A bare number lacks a comparator, not a unit.
  (input) => (typeof input === 'number' ? `the number ${input} (add a comparator)` : describeInput(input)),
);
