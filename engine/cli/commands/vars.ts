import { SquallError } from '../../errors.js';

/** `--var name=value` flags → overrides; the loader checks the names against the file's vars. */
export function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0)
      throw new SquallError(
        'SQUALL_VAR_INVALID',
        `--var '${flag}': expected name=value, e.g. --var devices=2000`,
      );
    vars[flag.slice(0, eq).trim()] = flag.slice(eq + 1);
  }
  return vars;
}
