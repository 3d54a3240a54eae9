/** The flag values of `squall history`, checked: periods, counts, outcome and state words. */

import { SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';
import { RUN_OUTCOMES } from '../../core/journal-events.js';
import type { RunState } from '../../history/types.js';
import { unknownName } from '../cli/flags.js';

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since 36h|7d|2w|2026-12-01[T10:00Z]` → epoch ms. */
export function parseSince(text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  const relative = /^(\d+)(h|d|w)$/.exec(text.trim());
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isFinite(at)) return at;
  throw new SquallError(
    'SQUALL_USAGE',
    `--since '${excerpt(text)}': expected a period such as 36h, 7d or 2w, or a date such as 2026-12-01`,
  );
}

/** A whole number from 1 to `max`, for --limit and --days. */
export function parseCount(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new SquallError(
      'SQUALL_USAGE',
      `--${flag} '${excerpt(text)}': expected a whole number from 1 to ${max.toLocaleString('en')}`,
    );
  return n;
}

// A run's own outcomes, and what the history says of runs that never wrote one.
const OUTCOMES = [...RUN_OUTCOMES, 'interrupted', 'incomplete'] as const;
const STATES: readonly RunState[] = ['running', 'finished', 'interrupted'];

export function parseOutcome(text: string | undefined): string | undefined {
  if (text === undefined || (OUTCOMES as readonly string[]).includes(text)) return text;
  throw new SquallError('SQUALL_USAGE', `--outcome: ${unknownName('outcome', text, OUTCOMES)}`);
}

export function parseState(text: string | undefined): RunState | undefined {
  if (text === undefined || (STATES as readonly string[]).includes(text)) return text as RunState | undefined;
  throw new SquallError('SQUALL_USAGE', `--state: ${unknownName('state', text, STATES)}`);
}
