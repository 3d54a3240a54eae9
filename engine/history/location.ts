/**
 * Where the run history lives. One database per user, shared by every `squall run` on the
 * machine (parallel CI jobs included): `--history PATH`, else `$SQUALL_HOME/history.db`, else
 * the XDG data directory (`$XDG_DATA_HOME/squall`, `~/.local/share/squall`). Only the
 * environment the command was given is read, never the process's, so tests and the server
 * choose their own.
 */
import { isAbsolute, join, resolve } from 'node:path';

const HISTORY_FILE_NAME = 'history.db';

/** Either a path, or why none could be found (said once, in the warning). */
export type HistoryLocation = { path: string } | { path?: undefined; reason: string };

export function historyLocation(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flag?: string,
): HistoryLocation {
  if (flag) return { path: resolve(cwd, flag) };
  if (env.SQUALL_HOME) return { path: join(resolve(cwd, env.SQUALL_HOME), HISTORY_FILE_NAME) };
  // The XDG spec says a relative XDG_DATA_HOME is invalid and to be ignored.
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return { path: join(xdg, 'squall', HISTORY_FILE_NAME) };
  if (env.HOME) return { path: join(env.HOME, '.local', 'share', 'squall', HISTORY_FILE_NAME) };
  return { reason: 'no $SQUALL_HOME, $XDG_DATA_HOME or $HOME to put it under (use --history PATH)' };
}
