import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReports } from '../../../reports/write.js';
import { ExitCode, SquallError } from '../../errors.js';
import { escapeControlLines } from '../../escape.js';
import { defaultEnvironment } from '../../run/environment.js';
import { buildPlan, renderPlan } from '../../run/plan.js';
import { makePrivateDir } from '../../run/private-files.js';
import { describeActive } from '../../run/rollback.js';
import { createRunner, type RunResult } from '../../run/runner.js';
import { loadSpecFile } from '../../suite/kind.js';
import type { Command } from '../command.js';
import { ProgressDisplay } from '../progress.js';
import { runLoadedSuite } from './run-suite.js';
import { orReportIssues, parseSpecFlags, SPEC_FLAG_HELP, SPEC_FLAG_OPTIONS } from './vars.js';

const help = `Usage: squall run <file> [options]

Runs an experiment: preflight gate, baseline, faults, recovery, rollback, SLO scoring.
Every fault is rolled back on every way out (success, breach, guard trip, error, Ctrl-C).
A suite file (kind: Suite) runs its experiments in order, each into --out/NN-<name>/, with
one combined report in --out; the exit code is the worst of the experiments'. Ctrl-C stops
the current experiment (rolled back) and skips the rest.

Options:
${SPEC_FLAG_HELP}
  --out DIR          Where journal.jsonl and the reports go (default: runs/<name>-<time>)
  --junit PATH       Also write the JUnit XML report to PATH (for CI test reporters)
  --json             Print the run summary as JSON on stdout (progress goes to stderr)
  --dry-run          Validate and print the plan; inject nothing
  -h, --help         This help

Exit codes: 0 SLOs met · 1 SLO breached · 2 invalid input · 3 aborted and rolled back ·
            4 infrastructure error · 5 rollback failed (the message names what may be active)

Examples:
  squall run experiments/demo-latency.yaml
  squall run experiments/demo-latency.yaml --var latency=400ms --junit reports/junit.xml
  squall run experiments/demo-latency.yaml --dry-run
  squall run experiments/gameday.yaml --out runs/gameday
`;

export const runCommand: Command = {
  name: 'run',
  summary: 'Run an experiment and score it against its SLOs',
  help,
  async run(argv, io) {
    const { values, positionals } = parseArgsOrThrow(argv);
    if (positionals.length !== 1) {
      throw new SquallError(
        'SQUALL_USAGE',
        'expected exactly one experiment or suite file (squall run <file>)',
      );
    }
    const file = resolve(io.cwd, positionals[0]!);
    const spec = await orReportIssues(io, positionals[0]!, () =>
      loadSpecFile(file, { ...parseSpecFlags(values), label: positionals[0] }),
    );
    if (!spec) return ExitCode.invalidInput;
    if (spec.kind === 'Suite') {
      const flags = { out: values.out, junit: values.junit, json: values.json, dryRun: values['dry-run'] };
      return runLoadedSuite(spec.suite, flags, io);
    }
    const loaded = spec.experiment;
    const experiment = loaded.experiment;
    const plan = buildPlan(experiment);
    if (values['dry-run']) {
      io.stdout.write(renderPlan(plan));
      io.stdout.write('\ndry run: nothing was injected.\n');
      return ExitCode.ok;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const outDir = resolve(io.cwd, values.out ?? `runs/${experiment.metadata.name}-${stamp}`);
    makePrivateDir(outDir);
    const display = new ProgressDisplay(io.stderr);
    if (!values.json) io.stdout.write(renderPlan(plan));
    const runner = createRunner({
      experiment,
      file,
      source: loaded.source,
      env: io.env,
      outDir,
      environment: defaultEnvironment,
      signal: io.signal,
      onProgress: (p) => display.progress(p),
      onEvent: (e) => display.event(e),
    });
    io.setActiveFaultReporter?.(() => describeActive(runner.activeFaults()));
    const result = await runner.run();
    display.done();
    const written = writeReports(result.journalPath, outDir, {
      junitPath: values.junit ? resolve(io.cwd, values.junit) : undefined,
    });
    if (values.json) io.stdout.write(`${JSON.stringify(written.summary, null, 2)}\n`);
    else io.stdout.write(renderOutcome(result, written.paths));
    if (result.exitCode === ExitCode.rollbackFailed)
      io.stderr.write(`${escapeControlLines(result.error?.message ?? '')}\n`);
    return result.exitCode;
  },
};

function parseArgsOrThrow(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...SPEC_FLAG_OPTIONS,
        out: { type: 'string' },
        junit: { type: 'string' },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `${(err as Error).message} (see squall run --help)`);
  }
}

const OUTCOME_TEXT: Record<RunResult['outcome'], string> = {
  passed: 'PASSED: every SLO met',
  slo_breached: 'FAILED: an SLO was breached',
  aborted: 'ABORTED: stopped early and rolled back',
  error: 'ERROR: the run could not complete; faults rolled back',
  rollback_failed: 'ROLLBACK FAILED: a fault may still be active',
  invalid: 'INVALID',
};

function renderOutcome(result: RunResult, paths: string[]): string {
  const lines: string[] = [''];
  if (result.verdict) {
    lines.push('SLO                          window     value        objective    status');
    for (const slo of result.verdict.slos) {
      const value = slo.value === null ? 'no data' : formatValue(slo.value, slo.unit);
      lines.push(
        `${slo.name.padEnd(28)} ${slo.window.padEnd(10)} ${value.padEnd(12)} ${slo.objective.padEnd(12)} ${slo.status}`,
      );
    }
    lines.push(`resilience score: ${result.verdict.resilienceScore.toFixed(0)}/100`);
  }
  if (result.aborted) lines.push(`aborted (${result.aborted.reason}): ${result.aborted.detail}`);
  if (result.error && result.exitCode !== ExitCode.rollbackFailed)
    lines.push(`${result.error.code}: ${result.error.message}`);
  for (const l of result.leftovers) {
    lines.push(
      `LEFTOVER ${l.kind} (${l.faultId}) on ${l.where}: ${l.error}`,
      `  remove with: ${l.removeCommand}`,
    );
  }
  lines.push(`${OUTCOME_TEXT[result.outcome]} (exit ${result.exitCode})`);
  lines.push(...paths.map((p) => `  ${p}`));
  // Errors and leftovers quote agents and user text: control characters escaped.
  return `${escapeControlLines(lines.join('\n'))}\n`;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'ratio') return `${(value * 100).toFixed(value > 0.999 && value < 1 ? 3 : 2)}%`;
  if (unit === 'ms') return `${value.toFixed(value < 10 ? 2 : 0)}ms`;
  if (unit === 'per_s') return `${value.toFixed(1)}/s`;
  return String(Math.round(value * 1000) / 1000);
}
