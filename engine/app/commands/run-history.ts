/** `squall run`'s `--history PATH` / `--no-history`: the recorder for this run (engine/history/record-run.ts). */
import { escapeControlLines } from '../../core/escape.js';
import { createRunRecorder, type RunRecorder } from '../../history/record-run.js';
import type { CliIO } from '../cli/command.js';

export const HISTORY_FLAG_OPTIONS = {
  history: { type: 'string' },
  'no-history': { type: 'boolean' },
} as const;

/** The help lines of those flags, for `squall run` (option column 19 wide). */
export const HISTORY_FLAG_HELP = `  --history PATH     Record the run in this history database (see squall history; default
                     $SQUALL_HOME/history.db, else ~/.local/share/squall/history.db)
  --no-history       Do not record the run in the history`;

export interface HistoryFlags {
  history?: string;
  noHistory?: boolean;
  /** Who the runs are recorded as started by (a schedule: `schedule:<name>`); default the user. */
  startedBy?: string;
}

/** Never throws: a history that cannot be written is said once on stderr, and the run goes on. */
export function runRecorder(
  flags: HistoryFlags,
  io: CliIO,
  suite?: { name: string; dir: string },
): RunRecorder {
  return createRunRecorder({
    historyFlag: flags.history,
    disabled: flags.noHistory,
    env: io.env,
    cwd: io.cwd,
    startedBy: flags.startedBy,
    suite,
    warn: (text) => io.stderr.write(`squall run: ${escapeControlLines(text)}\n`),
  });
}

/** The line `squall run` adds after its report when the run was recorded. */
export function recordedLine(path: string): string {
  return `recorded in history: ${escapeControlLines(path)}\n`;
}
