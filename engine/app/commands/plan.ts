/** `squall plan <file>`: the timeline and blast radius of an experiment, without running it. */
import { resolve } from 'node:path';
import { ExitCode, SquallError } from '../../core/errors.js';
import { buildPlan, renderPlan } from '../../run/plan.js';
import type { LoadedSchedule } from '../../schedule/load.js';
import { nextFires } from '../../schedule/next-fires.js';
import { renderSchedulePlan } from '../../schedule/render.js';
import type { LoadedSuite } from '../../suite/load.js';
import { buildSuitePlan, renderSuitePlan } from '../../suite/plan.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';
import { loadAnyFile, loadSpecFile } from '../load.js';
import { orReportIssues, parseSpecFlags, SPEC_FLAG_HELP, SPEC_FLAG_OPTIONS } from './vars.js';

const help = `Usage: squall plan <file> [options]

Validates an experiment and prints its plan: the phases with their offsets from the start of
the baseline, each fault's start, target, agent and duration, the total run length, and the
blast radius (agents, hosts, processes, proxies, devices, tenants). Injects nothing.
For a suite (kind: Suite): every experiment's plan in order, with the pauses between them.
For a schedule (kind: Schedule): its next runs (blackouts shown), then the plan of what it runs.

Options:
${SPEC_FLAG_HELP}
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
    const loaded = await orReportIssues(io, file, () =>
      loadAnyFile(resolve(io.cwd, file), { ...parseSpecFlags(values), label: file }),
    );
    if (!loaded) return ExitCode.invalidInput;
    if (loaded.kind === 'Schedule') return planSchedule(file, loaded.schedule, values.json, io);
    if (loaded.kind === 'Suite') return planSuite(file, loaded.suite, values.json, io);
    const plan = buildPlan(loaded.experiment.experiment);
    const { vars } = loaded.experiment;
    if (values.json) io.stdout.write(`${JSON.stringify({ file, vars, plan }, null, 2)}\n`);
    else io.stdout.write(renderPlan(plan));
    return ExitCode.ok;
  },
};

/** A suite (kind: Suite): every experiment's plan in order, with the pauses. */
function planSuite(file: string, loaded: LoadedSuite, json: boolean | undefined, io: CliIO) {
  if (json) io.stdout.write(`${JSON.stringify({ file, suite: buildSuitePlan(loaded) }, null, 2)}\n`);
  else io.stdout.write(renderSuitePlan(loaded));
  return ExitCode.ok;
}

/** A schedule: when it runs next (after blackouts), then the plan of the file it runs. */
async function planSchedule(file: string, loaded: LoadedSchedule, json: boolean | undefined, io: CliIO) {
  const nowMs = Date.now();
  const target = await loadSpecFile(loaded.run.file, { label: loaded.run.label, vars: loaded.run.vars });
  if (json) {
    const next = nextFires(loaded, nowMs, 5, { includeBlackouts: true }).map((f) => ({
      at: new Date(f.atMs).toISOString(),
      ...(f.blackout && { skipped: f.blackout }),
    }));
    const plan =
      target.kind === 'Suite'
        ? { suite: buildSuitePlan(target.suite) }
        : { plan: buildPlan(target.experiment.experiment) };
    io.stdout.write(
      `${JSON.stringify({ file, schedule: loaded.name, next, runs: loaded.run.label, ...plan }, null, 2)}\n`,
    );
    return ExitCode.ok;
  }
  io.stdout.write(`${renderSchedulePlan(loaded, nowMs)}\n`);
  io.stdout.write(
    target.kind === 'Suite'
      ? renderSuitePlan(target.suite)
      : renderPlan(buildPlan(target.experiment.experiment)),
  );
  return ExitCode.ok;
}

function parse(argv: string[]) {
  return parseFlags('plan', argv, { ...SPEC_FLAG_OPTIONS, json: { type: 'boolean' } });
}
