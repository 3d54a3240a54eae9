/**
 * Parsers for the human units experiment files use: `250ms`, `30s`, `5m`, `5000/s`, `99.9%`,
 * and objectives such as `>= 99.9%`, `<= 500ms`, `== 0`. Each returns a value or throws
 * `UnitError` whose message says what was expected; the spec loader positions it.
 */

import { excerpt } from './escape.js';
import { MAX_DURATION_MS } from './limits.js';

export class UnitError extends Error {}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * `1h30m`, `250ms`, `30s`, `0s` → milliseconds. Negative or unitless values are rejected, and so
 * is anything over MAX_DURATION_MS (7 days): a 400-digit number is Infinity, and Node's timers
 * cannot wait longer than ~24.8 days.
 */
export function parseDurationMs(input: unknown): number {
  if (typeof input !== 'string') {
    throw new UnitError(`expected a duration such as '250ms', '30s' or '5m', got ${describeInput(input)}`);
  }
  const text = input.trim();
  if (text.startsWith('-')) throw new UnitError(`duration must not be negative, got ${describeInput(input)}`);
  const parts = text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g);
  if (!parts || parts.join('') !== text) {
    throw new UnitError(
      `expected a duration such as '250ms', '30s', '5m' or '1h30m', got ${describeInput(input)}`,
    );
  }
  let total = 0;
  for (const part of parts) {
    const m = DURATION_RE.exec(part)!;
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
  }
  if (!(total <= MAX_DURATION_MS)) {
    throw new UnitError(
      `duration ${describeInput(input)} is longer than the maximum, ${formatDurationMs(MAX_DURATION_MS)}`,
    );
  }
  return Math.round(total);
}

/** Milliseconds → the shortest duration text that reads back the same: `1m30s`, `250ms`, `0s`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(Math.abs(ms));
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** `+0s`, `+5s`, `5s` → offset in ms (relative to the end of the baseline phase). */
export function parseOffsetMs(input: unknown): number {
  if (typeof input === 'string' && input.trim().startsWith('+'))
    return parseDurationMs(input.trim().slice(1));
  return parseDurationMs(input);
}

const RATE_UNITS_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** The fastest rate any field takes; far above what one host can do, below float trouble. */
const MAX_RATE_PER_S = 10_000_000;
/** The slowest: one an hour. Slower ones wait longer than an interval timer can (and a run lasts). */
const MIN_RATE_PER_S = 1 / 3600;

/** `5000/s`, `60/m` → events per second, between one an hour and MAX_RATE_PER_S. */
export function parseRatePerS(input: unknown): number {
  const m = typeof input === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)\s*$/.exec(input) : null;
  if (!m) throw new UnitError(`expected a rate such as '5000/s' or '60/m', got ${describeInput(input)}`);
  const perS = Number(m[1]) / RATE_UNITS_S[m[2]!]!;
  if (perS <= 0) throw new UnitError(`rate must be above zero, got ${describeInput(input)}`);
  if (perS < MIN_RATE_PER_S) throw new UnitError(`rate must be at least 1/h, got ${describeInput(input)}`);
  if (!(perS <= MAX_RATE_PER_S)) {
    throw new UnitError(`rate must be at most ${MAX_RATE_PER_S}/s, got ${describeInput(input)}`);
  }
  return perS;
}

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/;
const SIZE_UNIT_BYTES: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};
/** The largest size any field takes (1 PiB): exact in a double, and more than any host has. */
const MAX_SIZE_BYTES = 1024 ** 5;

/** `256MB`, `1.5GiB`, `1048576` (bytes) → bytes, at most MAX_SIZE_BYTES. */
export function parseSizeBytes(input: unknown): number {
  const m = typeof input === 'string' ? SIZE_RE.exec(input) : null;
  if (!m) throw new UnitError(`expected a size such as '256MB' or '1GiB', got ${describeInput(input)}`);
  const bytes = Math.round(Number(m[1]) * SIZE_UNIT_BYTES[m[2] ?? 'B']!);
  if (!(bytes <= MAX_SIZE_BYTES)) {
    throw new UnitError(`size ${describeInput(input)} is larger than the maximum, 1 PiB`);
  }
  return bytes;
}

/** `99.9%` → 0.999. Must lie in [0%, 100%]. */
export function parsePercent(input: unknown): number {
  const m = typeof input === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(input) : null;
  if (!m) throw new UnitError(`expected a percentage such as '99.9%', got ${describeInput(input)}`);
  const value = Number(m[1]);
  if (value > 100) throw new UnitError(`percentage must be at most 100%, got ${describeInput(input)}`);
  // Parse with the exponent rather than divide: 99.9 / 100 is 0.9990000000000001, which would
  // fail an SLI of exactly 0.999 against '>= 99.9%'.
  return Number(`${m[1]}e-2`);
}

export type Comparator = '>=' | '>' | '<=' | '<' | '==' | '!=';
export type ObjectiveUnit = 'ratio' | 'ms' | 'count';

/** A threshold an SLI value is compared with: `>= 99.9%` is `{ op: '>=', value: 0.999, unit: 'ratio' }`. */
export interface Objective {
  op: Comparator;
  value: number;
  unit: ObjectiveUnit;
  /** The text as written, for messages and reports. */
  text: string;
}

const OBJECTIVE_RE = /^\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$/;

/** `>= 99.9%`, `<= 500ms`, `== 0`, `< 50%`. */
export function parseObjective(input: unknown): Objective {
  const m = typeof input === 'string' ? OBJECTIVE_RE.exec(input) : null;
  if (!m) {
    throw new UnitError(
      `expected an objective: a comparator (>=, >, <=, <, ==, !=) then a value, such as '>= 99.9%', '<= 500ms' or '== 0', got ${describeInput(input)}`,
    );
  }
  const op = m[1] as Comparator;
  const raw = m[2]!;
  if (raw.endsWith('%')) return { op, value: parsePercent(raw), unit: 'ratio', text: input as string };
  if (/[a-z]$/.test(raw)) return { op, value: parseDurationMs(raw), unit: 'ms', text: input as string };
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const value = Number(raw);
    if (!(value <= Number.MAX_SAFE_INTEGER)) {
      throw new UnitError(`objective value '${excerpt(raw)}' is larger than ${Number.MAX_SAFE_INTEGER}`);
    }
    return { op, value, unit: 'count', text: input as string };
  }
  throw new UnitError(`objective value '${excerpt(raw)}' is not a percentage, a duration or a number`);
}

/** True when `value` meets the objective. */
export function meets(value: number, objective: Pick<Objective, 'op' | 'value'>): boolean {
  switch (objective.op) {
    case '>=':
      return value >= objective.value;
    case '>':
      return value > objective.value;
    case '<=':
      return value <= objective.value;
    case '<':
      return value < objective.value;
    case '==':
      return value === objective.value;
    case '!=':
      return value !== objective.value;
  }
}

/** How a value the user wrote reads in a message: `'10x'`, `the number 5 (add a unit)`, `a list`. */
export function describeInput(input: unknown): string {
  if (typeof input === 'string') return `'${excerpt(input)}'`;
  if (input === null || input === undefined) return 'nothing';
  if (typeof input === 'number')
    return Number.isFinite(input) ? `the number ${input} (add a unit)` : `${input}`;
  return `a ${Array.isArray(input) ? 'list' : typeof input}`;
}
