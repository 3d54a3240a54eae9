/**
 * Flags and sub-command names for every `squall` command: node:util `parseArgs` (strict), its
 * errors turned into SQUALL_USAGE messages that suggest the nearest flag or name for a typo
 * (engine/spec/did-you-mean.ts, as spec fields do) and point at the command's --help.
 */

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closest } from '../../core/did-you-mean.js';
import { SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` for `squall <command>`: strict, positionals allowed unless said otherwise. */
export function parseFlags<const T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw flagError(command, err as NodeJS.ErrnoException, options);
  }
}

function flagError(command: string, err: NodeJS.ErrnoException, options: Options): SquallError {
  const see = `(see squall ${command} --help)`;
  const unknown = /^Unknown option '(-{1,2})([^'=]*)/.exec(err.message);
  if (err.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !unknown) {
    return new SquallError('SQUALL_USAGE', `${err.message} ${see}`);
  }
  const names = [...new Set([...Object.keys(options), 'help'])];
  const near = closest(unknown[2]!, names);
  const flag = `${unknown[1]}${unknown[2]}`;
  return new SquallError(
    'SQUALL_USAGE',
    `unknown option '${flag}'${near ? ` (did you mean '--${near}'?)` : ''}; options: ${names.map((n) => `--${n}`).join(', ')} ${see}`,
  );
}

/**
 * `unknown command 'rnu' (did you mean 'run'?); expected one of: run, validate` — for a
 * sub-command or mode that is not one of `choices`.
 */
export function unknownName(what: string, given: string, choices: readonly string[]): string {
  const near = closest(given, choices);
  return `unknown ${what} '${excerpt(given)}'${near ? ` (did you mean '${near}'?)` : ''}; expected one of: ${choices.join(', ')}`;
}
