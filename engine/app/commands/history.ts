/**
 * `squall history`: the runs `squall run` recorded (engine/history/), listed, one shown, one
 * experiment's trend, its error budget across runs, and journals imported. Reading never
 * creates the database: with no file yet, every answer is empty.
 */
import { existsSync } from 'node:fs';
import { ExitCode, SquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { DEFAULT_BUDGET_DAYS } from '../../history/budget.js';
import { openRunHistory, type RunHistory } from '../../history/history.js';
import { DEFAULT_LIST_LIMIT } from '../../history/list-runs.js';
import { historyLocation } from '../../history/location.js';
import {
  renderBudget,
  renderImport,
  renderRunDetail,
  renderRunList,
  renderTrend,
} from '../../history/render.js';
import { IN_MEMORY } from '../../history/store.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';
import { parseCount, parseOutcome, parseSince, parseState } from './history-flags.js';

const help = `Usage: squall history [list] [--experiment NAME] [--tag TAG] [--outcome WORD] [--since WHEN]
       squall history show <run-id>
       squall history trend <experiment> [--days N] [--limit N]
       squall history budget <experiment> [--days N]
       squall history import <run dir or journal>...

Every 'squall run' records itself (each experiment of a suite too) in the run history, a
SQLite database: what ran (file, sha256, vars, tags, git commit, host), when, how it ended
(outcome, exit code, score, leftovers), every SLO per window with its raw good/total counts,
and where the journal and reports are. A run whose process died shows as interrupted.

  list     Runs, newest first (the default).
  show     One run with every SLO per window; the id or its first characters.
  trend    One experiment's runs, oldest first: score and each SLO's value and verdict, then
           each SLO's error budget over the period.
  budget   Per SLO over the last N days (default ${DEFAULT_BUDGET_DAYS}): the error budget consumed, summed from
           raw counts (bad events over all runs / bad events the budget allowed; never an
           average of ratios), the runs that met it, and REGRESSED when the newest run missed
           it and the one before did not.
  import   Rows from journals already on disk (a run directory, its journal.jsonl, or a
           suite's directory); importing a run twice adds nothing.

Options:
  --history PATH     The database (default $SQUALL_HOME/history.db, else
                     $XDG_DATA_HOME/squall/history.db, else ~/.local/share/squall/history.db)
  --json             JSON on stdout, for scripts
  --experiment NAME  list: only runs of this experiment
  --tag TAG          list: only runs whose experiment has this tag (metadata.tags)
  --outcome WORD     list: passed, slo_breached, aborted, error, rollback_failed, invalid,
                     interrupted (its process died) or incomplete (an imported journal cut short)
  --state WORD       list: running, finished or interrupted
  --suite NAME       list: only the experiments run by this suite
  --since WHEN       list: started since 36h, 7d, 2w ago, or a date (2026-12-01)
  --limit N          list, trend: at most N runs (default ${DEFAULT_LIST_LIMIT}; trend 20)
  --days N           trend: only runs of the last N days; budget: the period (default ${DEFAULT_BUDGET_DAYS})
  -h, --help         This help

Exit codes: 0 done · 2 bad input, or a path import could not use · 4 the database cannot be read or written

Examples:
  squall history import runs/demo-pass runs/demo-breach
  squall history
  squall history --experiment demo-latency --outcome slo_breached --since 30d
  squall history trend demo-latency
  squall history budget demo-latency --days 30 --json
  squall history show b5ca05cb
`;

const SUBCOMMANDS = ['list', 'show', 'trend', 'budget', 'import'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const COMMON = { history: { type: 'string' }, json: { type: 'boolean' } } as const;
const LIST = {
  ...COMMON,
  experiment: { type: 'string' },
  tag: { type: 'string' },
  outcome: { type: 'string' },
  state: { type: 'string' },
  suite: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
} as const;
const TREND = { ...COMMON, days: { type: 'string' }, limit: { type: 'string' } } as const;
const BUDGET = { ...COMMON, days: { type: 'string' } } as const;

const MAX_LIMIT = 100_000;
const MAX_DAYS = 36_500;

function splitSubcommand(argv: string[]): { sub: Subcommand; rest: string[] } {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return { sub: 'list', rest: argv };
  if ((SUBCOMMANDS as readonly string[]).includes(first)) return { sub: first as Subcommand, rest };
  throw new SquallError(
    'SQUALL_USAGE',
    `${unknownName('history command', first, SUBCOMMANDS)} (see squall history --help)`,
  );
}

function onePositional(sub: string, positionals: string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0])
    throw new SquallError('SQUALL_USAGE', `expected one ${what} (squall history ${sub} <${what}>)`);
  return positionals[0];
}

/** The history to read or write; a reader gets an empty one when there is no file yet. */
function open(io: CliIO, flag: string | undefined, write: boolean): { history: RunHistory; shown: string } {
  const where = historyLocation(io.env, io.cwd, flag);
  if (where.path === undefined) throw new SquallError('SQUALL_HISTORY_UNAVAILABLE', where.reason);
  const path = write || existsSync(where.path) ? where.path : IN_MEMORY;
  return { history: openRunHistory(path), shown: where.path };
}

function print(io: CliIO, json: boolean | undefined, value: unknown, text: () => string): void {
  io.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : escapeControlLines(text()));
}

async function runHistory(argv: string[], io: CliIO): Promise<number> {
  const { sub, rest } = splitSubcommand(argv);
  const nowMs = Date.now();
  if (sub === 'list') {
    const { values } = parseFlags('history', rest, LIST, false);
    const limit = parseCount('limit', values.limit, MAX_LIMIT) ?? DEFAULT_LIST_LIMIT;
    const filter = {
      experiment: values.experiment,
      tag: values.tag,
      outcome: parseOutcome(values.outcome),
      state: parseState(values.state),
      suite: values.suite,
      sinceMs: parseSince(values.since, nowMs),
      limit,
    };
    const { history, shown } = open(io, values.history, false);
    try {
      const runs = history.listRuns(filter);
      print(io, values.json, runs, () => renderRunList(runs, shown, limit));
    } finally {
      history.close();
    }
    return ExitCode.ok;
  }
  if (sub === 'show') {
    const { values, positionals } = parseFlags('history', rest, COMMON);
    const id = onePositional(sub, positionals, 'run-id');
    const { history } = open(io, values.history, false);
    try {
      const run = history.getRun(id);
      print(io, values.json, run, () => renderRunDetail(run));
    } finally {
      history.close();
    }
    return ExitCode.ok;
  }
  if (sub === 'trend' || sub === 'budget') {
    const { values, positionals } = parseFlags('history', rest, sub === 'trend' ? TREND : BUDGET);
    const experiment = onePositional(sub, positionals, 'experiment');
    const days = parseCount('days', values.days, MAX_DAYS);
    const { history } = open(io, values.history, false);
    try {
      if (sub === 'trend') {
        const limit = parseCount('limit', (values as { limit?: string }).limit, MAX_LIMIT);
        const trend = history.trend(experiment, { days, limit, nowMs });
        print(io, values.json, trend, () => renderTrend(trend));
      } else {
        const report = history.budget(experiment, { days, nowMs });
        print(io, values.json, report, () => renderBudget(report));
      }
    } finally {
      history.close();
    }
    return ExitCode.ok;
  }
  const { values, positionals } = parseFlags('history', rest, COMMON);
  if (positionals.length === 0)
    throw new SquallError(
      'SQUALL_USAGE',
      'expected run directories or journals (squall history import <dir>...)',
    );
  const { history, shown } = open(io, values.history, true);
  try {
    const results = history.importRuns(positionals, io.cwd);
    print(io, values.json, results, () => renderImport(results, shown));
    return results.some((r) => r.status === 'failed') ? ExitCode.invalidInput : ExitCode.ok;
  } finally {
    history.close();
  }
}

export const historyCommand: Command = {
  name: 'history',
  summary: 'Recorded runs: list, show, trend, error budget across runs; import journals',
  help,
  run: runHistory,
};
