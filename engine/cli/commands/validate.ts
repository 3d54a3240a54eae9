/** `squall validate <files...>`: load and check experiment files without running anything. */
import { relative, resolve } from 'node:path';
import {
  ExitCode,
  formatSpecIssue,
  isSquallError,
  SpecError,
  type SpecIssue,
  SquallError,
} from '../../errors.js';
import { loadExperimentFile } from '../../spec/load.js';
import { kindOfFile } from '../../suite/kind.js';
import { loadSuiteFile } from '../../suite/load.js';
import type { CliIO, Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { parseVarFlags } from './vars.js';

const help = `Usage: squall validate <file>... [options]

Checks experiment files: YAML syntax, the schema, units, variables, fault kinds and their
params, targets, the schedule, SLIs and objectives, probes and guards. Runs nothing.
A suite file (kind: Suite) is checked with every experiment it lists, with the suite's vars.
Prints OK per valid file, and every issue as file:line:col field.path: message.

Options:
  --var name=value   Override a variable from the files' vars: (repeatable)
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
    const vars = parseVarFlags(values.var ?? []);
    const results: ValidateFileResult[] = [];
    for (const file of positionals) results.push(await validateOne(file, vars, io));
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

async function validateOne(
  file: string,
  vars: Record<string, string>,
  io: CliIO,
): Promise<ValidateFileResult> {
  const path = resolve(io.cwd, file);
  // Issues name the file as the user wrote it, so they stay clickable in terminals and CI logs.
  const shown = file.startsWith('/') ? relativeIfInside(io.cwd, path) : file;
  try {
    if ((await kindOfFile(path)) === 'Suite') {
      const suite = await loadSuiteFile(path, { vars, label: shown });
      const experiments = suite.steps.flatMap((s) => (s.kind === 'experiment' ? [s.name] : []));
      return { file: shown, valid: true, suite: suite.suite.metadata.name, experiments, issues: [] };
    }
    const loaded = await loadExperimentFile(path, { vars, label: shown });
    return { file: shown, valid: true, experiment: loaded.experiment.metadata.name, issues: [] };
  } catch (err) {
    if (err instanceof SpecError) return { file: shown, valid: false, issues: err.issues };
    // A --var naming no variable of this file: about the command line, so no position in it.
    if (isSquallError(err) && err.code === 'SQUALL_VAR_INVALID') {
      return {
        file: shown,
        valid: false,
        issues: [{ file: shown, line: 1, col: 1, path: 'vars', message: err.message }],
      };
    }
    throw err;
  }
}

function renderResult(r: ValidateFileResult): string {
  if (r.valid && r.suite !== undefined) {
    return `${r.file}: OK (suite ${r.suite}: ${r.experiments?.join(', ')})\n`;
  }
  if (r.valid) return `${r.file}: OK (${r.experiment})\n`;
  const n = r.issues.length;
  return `${r.issues.map(formatSpecIssue).join('\n')}\n${r.file}: ${n} issue${n === 1 ? '' : 's'}\n`;
}

function relativeIfInside(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}

function parse(argv: string[]) {
  return parseFlags('validate', argv, { var: { type: 'string', multiple: true }, json: { type: 'boolean' } });
}
