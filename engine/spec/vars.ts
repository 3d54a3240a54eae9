/**
 * Experiment variables: `vars:` declares them with defaults, `${name}` uses them in any
 * scalar string, `--var name=value` overrides them. A plain scalar that is exactly `${name}`
 * takes the variable's typed value (so `devices: ${devices}` stays a number); inside a
 * longer string, or in a quoted scalar (`"${port}"`: quotes mean a string in YAML), the value
 * is interpolated as text. `$${name}` writes a literal `${name}`.
 */

import { closest } from '../core/did-you-mean.js';
import { SquallError } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import { MAX_VAR_CHARS } from '../core/limits.js';
import { parseYamlBounded } from './yaml-parse.js';

export type VarValue = string | number | boolean;

const NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const WHOLE_REF = new RegExp(`^\\$\\{\\s*(${NAME})\\s*\\}$`);
const ANY_REF = new RegExp(`(\\$?)\\$\\{\\s*(${NAME})\\s*\\}`, 'g');

/** The result of substituting variables into one scalar string. */
export interface Substitution {
  value: unknown;
  /** Referenced names that are not declared, in order of appearance. */
  undefinedNames: string[];
}

/** Replaces `${name}` references in `text`; see the module comment for the rules. */
export function substituteVars(
  text: string,
  vars: Readonly<Record<string, unknown>>,
  opts: { quoted?: boolean } = {},
): Substitution {
  if (!text.includes('${')) return { value: text, undefinedNames: [] };
  const whole = opts.quoted ? null : WHOLE_REF.exec(text);
  if (whole) {
    const name = whole[1]!;
    return Object.hasOwn(vars, name)
      ? { value: vars[name], undefinedNames: [] }
      : { value: text, undefinedNames: [name] };
  }
  const undefinedNames: string[] = [];
  const value = text.replace(ANY_REF, (ref, escaped: string, name: string) => {
    if (escaped) return ref.slice(1);
    if (Object.hasOwn(vars, name)) return String(vars[name]);
    undefinedNames.push(name);
    return ref;
  });
  return { value, undefinedNames };
}

/** The message for a reference to an undeclared variable. */
export function undefinedVarMessage(name: string, declared: readonly string[]): string {
  const shown = excerpt(name);
  if (declared.length === 0)
    return `undefined variable '${shown}'; no vars are declared (add it under vars:)`;
  const near = closest(name, declared);
  const hint = near ? ` (did you mean '${near}'?)` : '';
  return `undefined variable '${shown}'${hint}; declared: ${[...declared].sort().join(', ')}`;
}

/**
 * A `--var` value read as a YAML scalar, so `2000` is a number and `true` a boolean;
 * anything that is not a plain scalar (empty, a list, a map) stays the text as written.
 */
export function parseVarValue(text: string): VarValue {
  let value: unknown;
  try {
    // Bounded: a `--var` is as untrusted as the file (deep nesting, aliases, control characters).
    const { doc } = parseYamlBounded(text);
    if (doc.errors.length > 0 || doc.warnings.length > 0) return text;
    // A scalar needs no alias expansion; anything else is kept as text below.
    value = doc.contents === null || (doc.contents as { items?: unknown }).items ? undefined : doc.toJS();
  } catch {
    return text;
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : text;
}

/**
 * Declared vars with overrides applied. An override naming an undeclared variable is an
 * error of the command line, not of the file: SquallError SQUALL_VAR_INVALID, listing every
 * bad override at once.
 */
export function applyVarOverrides(
  file: string,
  declared: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const names = Object.keys(declared);
  const problems: string[] = [];
  const effective: Record<string, unknown> = { ...declared };
  for (const [name, text] of Object.entries(overrides)) {
    const flag = `--var ${excerpt(name)}=${excerpt(text)}`;
    if (!Object.hasOwn(declared, name)) {
      const near = closest(name, names);
      const hint = near ? ` (did you mean '${near}'?)` : '';
      const known = names.length ? `declared: ${names.sort().join(', ')}` : 'it declares no vars';
      problems.push(`${flag}: ${file} declares no variable '${excerpt(name)}'${hint}; ${known}`);
      continue;
    }
    if (text.length > MAX_VAR_CHARS) {
      problems.push(`${flag}: the value is ${text.length} characters; a var holds at most ${MAX_VAR_CHARS}`);
      continue;
    }
    effective[name] = parseVarValue(text);
  }
  if (problems.length > 0) throw new SquallError('SQUALL_VAR_INVALID', problems.join('\n'));
  return effective;
}
