/** The flags of every command that loads spec files (validate, plan, run): `--var`, `--max-file-size`. */

import { formatSpecIssue, isSquallError, SpecError, type SpecIssue, SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';
import { DEFAULT_MAX_FILE_BYTES, formatByteLimit } from '../../core/limits.js';
import { parseSizeBytes, UnitError } from '../../core/units.js';
import type { CliIO } from '../cli/command.js';

/** For `parseArgs`' options. */
export const SPEC_FLAG_OPTIONS = {
  var: { type: 'string', multiple: true },
  'max-file-size': { type: 'string' },
} as const;

/** The help lines of those flags, for commands whose option column is 19 wide. */
export const SPEC_FLAG_HELP = `  --var name=value   Override a variable from the file's vars: (repeatable)
  --max-file-size N  Refuse spec files larger than N (default ${formatByteLimit(DEFAULT_MAX_FILE_BYTES).replace(' ', '')}), e.g. 4MiB`;

/** What the loaders take from those flags. */
export interface SpecLoadFlags {
  vars: Record<string, string>;
  maxFileBytes?: number;
}

export function parseSpecFlags(values: { var?: string[]; 'max-file-size'?: string }): SpecLoadFlags {
  const flags: SpecLoadFlags = { vars: parseVarFlags(values.var ?? []) };
  const size = values['max-file-size'];
  if (size !== undefined) flags.maxFileBytes = parseMaxFileSize(size);
  return flags;
}

/** `--var name=value` flags → overrides; the loader checks the names against the file's vars. */
function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const vars: [string, string][] = [];
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0)
      throw new SquallError(
        'SQUALL_VAR_INVALID',
        `--var '${excerpt(flag)}': expected name=value, e.g. --var devices=2000`,
      );
    vars.push([flag.slice(0, eq).trim(), flag.slice(eq + 1)]);
  }
  // fromEntries: a name such as __proto__ stays an own field (the loader then says it is undeclared).
  return Object.fromEntries(vars);
}

function parseMaxFileSize(text: string): number {
  try {
    const bytes = parseSizeBytes(text);
    if (bytes > 0) return bytes;
  } catch (err) {
    if (!(err instanceof UnitError)) throw err;
  }
  throw new SquallError(
    'SQUALL_USAGE',
    `--max-file-size '${excerpt(text)}': expected a size above zero such as '4MiB' or a number of bytes`,
  );
}

/**
 * The loaded file, or undefined after writing its spec issues to stderr one per line, as
 * `validate` prints them, rather than as one long error message.
 */
export async function orReportIssues<T>(
  io: CliIO,
  file: string,
  load: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    const issues = err instanceof SpecError ? err.issues : varErrorIssues(file, err);
    if (!issues) throw err;
    io.stderr.write(`${issues.map(formatSpecIssue).join('\n')}\n`);
    return undefined;
  }
}

/**
 * A `--var` naming no variable of the file (or too long) is about the command line, so it has
 * no place in the file: reported at the file's 1:1 under `vars`, one issue per bad override.
 */
export function varErrorIssues(file: string, err: unknown): SpecIssue[] | undefined {
  if (!isSquallError(err) || err.code !== 'SQUALL_VAR_INVALID') return undefined;
  return err.message.split('\n').map((message) => ({ file, line: 1, col: 1, path: 'vars', message }));
}
