/** `squall validate <files...>`: load and check experiment files without running anything. */
import { relative, resolve } from 'node:path';
import { ExitCode, formatSpecIssue, SpecError, type SpecIssue, SquallError } from '../../core/errors.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';
import { loadAnyFile } from '../load.js';
import {
  parseSpecFlags,
  SPEC_FLAG_HELP,
  SPEC_FLAG_OPTIONS,
  type SpecLoadFlags,
  varErrorIssues,
} from './vars.js';

const help = `Usage: squall validate <file>... [options]

Checks experiment files: YAML syntax, the schema, units, variables, fault kinds and their
params, targets, the schedule, SLIs and objectives, probes and guards. Runs nothing.
A suite file (kind: Suite) is checked with every experiment it lists, with the suite's vars;
a schedule (kind: Schedule) with its cron, timezones, blackouts and the file it runs.
Prints OK per valid file, and every issue as file:line:col field.path: message.

Options:
${SPEC_FLAG_HELP}
  --json             Print the result as JSON: { valid, files: [{ file, valid, experiment, issues }] }
  -h, --help         This help

Exit codes: 0 every file is valid · 2 a file is invalid or unreadable

Examples:
  squall validate experiments/*.yaml
  squall validate experiments/broker-crash-herd.yaml --var devices=2000
  squall validate experiments/*.yaml --json | jq '.files[] | select(.valid | not)'
`;

/** One file's result, as printed by `--json`. */
export interface ValidateFileResult {
  file: string;
  valid: boolean;
  /** `metadata.name`, when the file loaded. */
  experiment?: string;
  /** For a suite (kind: Suite) that loaded: its name and its experiments' names, in order. */
  suite?: string;
  experiments?: string[];
  /** For a schedule (kind: Schedule) that loaded: its name and what it runs. */
  schedule?: string;
  runs?: string;
  issues: SpecIssue[];
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check experiment files and print every issue with file:line:col',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    if (positionals.length === 0) {
      throw new SquallError(
        'SQUALL_USAGE',
        'expected at least one experiment file (squall validate <file>...)',
      );
    }
    const flags = parseSpecFlags(values);
    const results: ValidateFileResult[] = [];
    for (const file of positionals) results.push(await validateOne(file, flags, io));
    const valid = results.every((r) => r.valid);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ valid, files: results }, null, 2)}\n`);
    } else {
      for (const r of results) io.stdout.write(renderResult(r));
      if (results.length > 1) {
        const bad = results.filter((r) => !r.valid).length;
        io.stdout.write(`${results.length} files: ${results.length - bad} valid, ${bad} invalid\n`);
      }
    }
    return valid ? ExitCode.ok : ExitCode.invalidInput;
  },
};

async function validateOne(file: string, flags: SpecLoadFlags, io: CliIO): Promise<ValidateFileResult> {
  const path = resolve(io.cwd, file);
  // Issues name the file as the user wrote it, so they stay clickable in terminals and CI logs.
  const shown = file.startsWith('/') ? relativeIfInside(io.cwd, path) : file;
  try {
    const loaded = await loadAnyFile(path, { ...flags, label: shown });
    if (loaded.kind === 'Schedule') {
      const { name, target, run } = loaded.schedule;
      return { file: shown, valid: true, schedule: name, runs: target?.name ?? run.label, issues: [] };
    }
    if (loaded.kind === 'Suite') {
      const { suite, steps } = loaded.suite;
      const experiments = steps.flatMap((s) => (s.kind === 'experiment' ? [s.name] : []));
      return { file: shown, valid: true, suite: suite.metadata.name, experiments, issues: [] };
    }
    const { experiment } = loaded.experiment;
    return { file: shown, valid: true, experiment: experiment.metadata.name, issues: [] };
  } catch (err) {
    if (err instanceof SpecError) return { file: shown, valid: false, issues: err.issues };
    const issues = varErrorIssues(shown, err);
    if (issues) return { file: shown, valid: false, issues };
    throw err;
  }
}

function renderResult(r: ValidateFileResult): string {
  if (r.valid && r.suite !== undefined) {
    return `${r.file}: OK (suite ${r.suite}: ${r.experiments?.join(', ')})\n`;
  }
  if (r.valid && r.schedule !== undefined) return `${r.file}: OK (schedule ${r.schedule}: runs ${r.runs})\n`;
  if (r.valid) return `${r.file}: OK (${r.experiment})\n`;
  const n = r.issues.length;
  return `${r.issues.map(formatSpecIssue).join('\n')}\n${r.file}: ${n} issue${n === 1 ? '' : 's'}\n`;
}

function relativeIfInside(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}

function parse(argv: string[]) {
  return parseFlags('validate', argv, { ...SPEC_FLAG_OPTIONS, json: { type: 'boolean' } });
}
