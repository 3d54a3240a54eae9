/**
 * `squall history import`: rows rebuilt from journals already on disk (runs from before the
 * history existed, from another machine, or after the database was lost). The run id is the
 * journal's, so importing a run twice adds nothing; a row left `running`/`interrupted` whose
 * journal now says how the run ended is completed. A suite's directory imports each of its
 * experiments (`NN-name/journal.jsonl`), with the suite's name from its summary.json.
 *
 * What only the live run knew (file hash, git commit, user, pid) stays null.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { loadRun } from '../../reports/write.js';
import { isSquallError } from '../core/errors.js';
import { endedRunRow, reportPathsIn, startedRunRow } from './rows.js';
import { recordWhole } from './write.js';

export interface ImportResult {
  /** The directory (or journal) as given. */
  given: string;
  journalPath: string | null;
  runId: string | null;
  status: 'imported' | 'completed' | 'present' | 'failed';
  /** Why it failed, with its error code. */
  problem?: { code: string; message: string };
}

const JOURNAL = 'journal.jsonl';

/** The journals a path stands for: itself, its journal.jsonl, or a suite's experiments'. */
function journalsOf(path: string): { journals: string[]; suite: { name: string; dir: string } | null } {
  if (basename(path) === JOURNAL || path.endsWith('.jsonl')) return { journals: [path], suite: null };
  if (existsSync(join(path, JOURNAL))) return { journals: [join(path, JOURNAL)], suite: null };
  if (!existsSync(path) || !statSync(path).isDirectory()) return { journals: [], suite: null };
  const journals = readdirSync(path)
    .sort()
    .map((entry) => join(path, entry, JOURNAL))
    .filter((p) => existsSync(p));
  return { journals, suite: journals.length > 0 ? suiteOf(path) : null };
}

function suiteOf(dir: string): { name: string; dir: string } | null {
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { suite?: unknown };
    return typeof summary.suite === 'string' ? { name: summary.suite, dir } : null;
  } catch {
    return null;
  }
}

function importJournal(
  db: Database.Database,
  given: string,
  journalPath: string,
  suite: { name: string; dir: string } | null,
): ImportResult {
  const failed = (code: string, message: string): ImportResult => ({
    given,
    journalPath,
    runId: null,
    status: 'failed',
    problem: { code, message },
  });
  let loaded: ReturnType<typeof loadRun>;
  try {
    loaded = loadRun(journalPath);
  } catch (err) {
    return failed(isSquallError(err) ? err.code : 'SQUALL_HISTORY_IMPORT_FAILED', (err as Error).message);
  }
  const { events, summary } = loaded;
  const start = events.find((e) => e.type === 'run.start');
  if (!start)
    return failed(
      'SQUALL_HISTORY_IMPORT_FAILED',
      `${journalPath}: the journal has no run.start event (no run id, no experiment)`,
    );
  const reportDir = dirname(journalPath);
  const lastMs = events.reduce<number | null>((max, e) => (max === null || e.t > max ? e.t : max), null);
  const row = startedRunRow(start, {
    journalPath,
    reportDir,
    recordedBy: 'import',
    suite: suite?.name ?? null,
    suiteDir: suite?.dir ?? null,
  });
  const end = endedRunRow(summary, start.spec, reportPathsIn(reportDir), lastMs);
  // A database that cannot be written is not this journal's problem: it stops the import.
  return { given, journalPath, runId: start.runId, status: recordWhole(db, row, end) };
}

/** Imports every path; a path with no journal at all is one failed result. */
export function importRuns(db: Database.Database, paths: readonly string[], cwd: string): ImportResult[] {
  return paths.flatMap((given) => {
    const { journals, suite } = journalsOf(resolve(cwd, given));
    if (journals.length === 0) {
      return [
        {
          given,
          journalPath: null,
          runId: null,
          status: 'failed' as const,
          problem: {
            code: 'SQUALL_HISTORY_IMPORT_FAILED',
            message: `${given}: not a run directory (no ${JOURNAL} in it, nor in a suite's experiment directories) or a journal`,
          },
        },
      ];
    }
    return journals.map((j) => importJournal(db, given, j, suite));
  });
}
