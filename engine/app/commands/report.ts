/**
 * `squall report <journal>`: (re)writes a run's reports from its journal alone, and compares
 * the run with another run's summary.json. Thin: reading, rendering and comparing live in
 * reports/*.ts.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { compareSummaries, renderComparison } from '../../../reports/compare.js';
import { reportFormats } from '../../../reports/formats/catalog.js';
import { parseLinkBase } from '../../../reports/links.js';
import type { RunSummary } from '../../../reports/summary.js';
import { loadRun, writeReports } from '../../../reports/write.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import type { K6Summary } from '../../core/k6-summary.js';
import { formatByteLimit } from '../../core/limits.js';
import { makePrivateDir, writePrivateFile } from '../../core/private-files.js';
import { MAX_K6_SUMMARY_BYTES, parseK6Summary } from '../../probes/k6-summary.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';

const help = `Usage: squall report <journal.jsonl> [options]

Writes a run's reports from its journal: summary.json, junit.xml, summary.md, report.html,
postmortem.md. A corrupt or truncated journal still renders what it can; the reports say the
run is incomplete and the command exits 2.

Options:
  --format NAME         Only this format (repeatable, or comma-separated):
                        ${reportFormats.names().join(', ')} (default: all)
  --out DIR             Where to write (default: the journal's directory)
  --link-base URL       Link repository files (the runbook) as URL/<path>, e.g.
                        https://github.com/org/repo/blob/<sha>, so summary.md works as a PR comment
  --compare FILE        Compare with another run's summary.json: each SLO and key SLI side by
                        side with the change, regressions flagged (comparison.md, and stdout)
  --import-k6 FILE      Put a k6 end-of-test summary beside the run: handleSummary data,
                        --summary-export output, or k6's machine-readable summary (a section
                        in summary.md, \`k6\` in summary.json); README "k6"
  --fail-on-regression  With --compare: exit 1 when anything regressed
  --force               With --compare: compare runs of different experiments (refused otherwise:
                        their SLOs of the same name need not be the same promise)
  -h, --help            This help

Exit codes: 0 reports written · 1 regression (with --fail-on-regression) ·
            2 bad arguments, unreadable files, or an incomplete journal (reports still written)

Examples:
  squall report runs/demo/journal.jsonl
  squall report runs/demo/journal.jsonl --format html --out runs/demo-html
  squall report runs/today/journal.jsonl --compare runs/last-release/summary.json --fail-on-regression
  squall report runs/today/journal.jsonl --import-k6 runs/today/k6-summary.json
`;

function parse(argv: string[]) {
  return parseFlags('report', argv, {
    format: { type: 'string', multiple: true },
    out: { type: 'string' },
    'link-base': { type: 'string' },
    compare: { type: 'string' },
    'import-k6': { type: 'string' },
    'fail-on-regression': { type: 'boolean' },
    force: { type: 'boolean' },
  });
}

function readSummary(path: string): RunSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `cannot read summary '${path}': ${(err as Error).message}`);
  }
  const s = parsed as Partial<RunSummary>;
  if (typeof s !== 'object' || s === null || typeof s.schemaVersion !== 'number' || !Array.isArray(s.slos)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `'${path}' is not a squall summary.json (no schemaVersion or slos)`,
    );
  }
  return { ...s, keySlis: s.keySlis ?? [] } as RunSummary;
}

/** A k6 end-of-test summary, read within bounds; `shown` is the path as the user gave it. */
function readK6Summary(path: string, shown: string): K6Summary {
  let text: string;
  try {
    if (statSync(path).size > MAX_K6_SUMMARY_BYTES)
      throw new SquallError(
        'SQUALL_K6_SUMMARY_INVALID',
        `'${shown}' is larger than a k6 summary can be (${formatByteLimit(MAX_K6_SUMMARY_BYTES)})`,
      );
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof SquallError) throw err;
    throw new SquallError('SQUALL_USAGE', `cannot read k6 summary '${shown}': ${(err as Error).message}`);
  }
  return parseK6Summary(text, shown);
}

/** SLOs of two experiments share names, not meaning: comparing them needs --force. */
function refuseOtherExperiment(run: RunSummary, other: RunSummary, otherPath: string): void {
  const known = (name: string | undefined) => name !== undefined && name !== 'unknown';
  if (!known(run.experiment) || !known(other.experiment) || run.experiment === other.experiment) return;
  throw new SquallError(
    'SQUALL_USAGE',
    `refusing to compare runs of different experiments: this run is '${run.experiment}', ${otherPath} is '${other.experiment}'; their SLOs need not be the same promises even where the names match (add --force to compare anyway)`,
  );
}

export const reportCommand: Command = {
  name: 'report',
  summary: "Write a run's reports (HTML, Markdown, JUnit, JSON, postmortem) from its journal; compare runs",
  help,
  async run(argv: string[], io: CliIO) {
    const { values, positionals } = parse(argv);
    if (positionals.length !== 1) {
      throw new SquallError('SQUALL_USAGE', 'expected exactly one journal (squall report <journal.jsonl>)');
    }
    const journal = resolve(io.cwd, positionals[0]!);
    const linkBase = parseLinkBase(values['link-base']);
    const outDir = resolve(io.cwd, values.out ?? dirname(journal));
    const formats = values.format?.flatMap((f) =>
      f
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );
    // Read the other side first: a typo in --compare should not leave half the reports written.
    const other = values.compare ? readSummary(resolve(io.cwd, values.compare)) : undefined;
    const k6File = values['import-k6'];
    const k6 = k6File ? readK6Summary(resolve(io.cwd, k6File), k6File) : undefined;
    const loaded = loadRun(journal);
    if (k6) loaded.summary.k6 = k6;
    if (other && !values.force) refuseOtherExperiment(loaded.summary, other, values.compare!);
    makePrivateDir(outDir);
    const written = writeReports(journal, outDir, { formats, linkBase, loaded });
    for (const path of written.paths.slice(1)) io.stdout.write(`${path}\n`);
    let code: ExitCode = ExitCode.ok;
    if (!written.summary.complete) {
      io.stderr.write(
        `squall report: ${journal} is incomplete; the reports are marked incomplete and show what could be read:\n${written.summary.problems.map((p) => `  - ${p}\n`).join('')}`,
      );
      code = ExitCode.invalidInput;
    }
    if (other) {
      const comparison = compareSummaries(written.summary, other);
      const text = renderComparison(comparison);
      const path = join(outDir, 'comparison.md');
      writePrivateFile(path, text);
      io.stdout.write(`${path}\n\n${text}`);
      if (comparison.regressions > 0 && values['fail-on-regression'] && code === ExitCode.ok)
        code = ExitCode.sloBreached;
    }
    return code;
  },
};
