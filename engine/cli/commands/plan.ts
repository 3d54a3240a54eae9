/** `squall plan <file>`: the timeline and blast radius of an experiment, without running it. */
import { resolve } from 'node:path';
import { ExitCode, formatSpecIssue, SpecError, SquallError } from '../../errors.js';
import { buildPlan, renderPlan } from '../../run/plan.js';
import { loadExperimentFile } from '../../spec/load.js';
import { kindOfFile } from '../../suite/kind.js';
import { loadSuiteFile } from '../../suite/load.js';
import { buildSuitePlan, renderSuitePlan } from '../../suite/plan.js';
import type { CliIO, Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { parseVarFlags } from './vars.js';

const help = `Usage: squall plan <file> [options]

Validates an experiment and prints its plan: the phases with their offsets from the start of
the baseline, each fault's start, target, agent and duration, the total run length, and the
blast radius (agents, hosts, processes, proxies, devices, tenants). Injects nothing.
For a suite (kind: Suite): every experiment's plan in order, with the pauses between them.

Options:
  --var name=value   Override a variable from the file's vars: (repeatable)
  --json             Print { file, vars, plan } as JSON
  -h, --help         This help

Exit codes: 0 planned · 2 the file is invalid or unreadable

Examples:
  squall plan experiments/broker-crash-herd.yaml
  squall plan experiments/broker-crash-herd.yaml --var devices=2000 --json
`;

export const planCommand: Command = {
  name: 'plan',
  summary: 'Print the timeline and blast radius of an experiment without running it',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    if (positionals.length !== 1) {
      throw new SquallError('SQUALL_USAGE', 'expected exactly one experiment file (squall plan <file>)');
    }
    const file = positionals[0]!;
    if ((await kindOfFile(resolve(io.cwd, file))) === 'Suite') return planSuite(file, values, io);
    const loaded = await orReportIssues(io, () =>
      loadExperimentFile(resolve(io.cwd, file), { vars: parseVarFlags(values.var ?? []), label: file }),
    );
    if (!loaded) return ExitCode.invalidInput;
    const plan = buildPlan(loaded.experiment);
    if (values.json) io.stdout.write(`${JSON.stringify({ file, vars: loaded.vars, plan }, null, 2)}\n`);
    else io.stdout.write(renderPlan(plan));
    return ExitCode.ok;
  },
};

/**
 * The loaded file, or undefined after writing its spec issues to stderr one per line, as
 * `validate` prints them, rather than as one long error message.
 */
async function orReportIssues<T>(io: CliIO, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    io.stderr.write(`${err.issues.map(formatSpecIssue).join('\n')}\n`);
    return undefined;
  }
}

/** A suite (kind: Suite): every experiment's plan in order, with the pauses. */
async function planSuite(file: string, values: { var?: string[]; json?: boolean }, io: CliIO) {
  const loaded = await orReportIssues(io, () =>
    loadSuiteFile(resolve(io.cwd, file), { vars: parseVarFlags(values.var ?? []), label: file }),
  );
  if (!loaded) return ExitCode.invalidInput;
  if (values.json) io.stdout.write(`${JSON.stringify({ file, suite: buildSuitePlan(loaded) }, null, 2)}\n`);
  else io.stdout.write(renderSuitePlan(loaded));
  return ExitCode.ok;
}

function parse(argv: string[]) {
  return parseFlags('plan', argv, { var: { type: 'string', multiple: true }, json: { type: 'boolean' } });
}
