import { resolve } from 'node:path';
import { parseLinkBase } from '../../../reports/links.js';
import { renderTerminal } from '../../../reports/terminal.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { buildPlan, renderPlan } from '../../run/plan.js';
import { describeActive } from '../../run/rollback.js';
import type { Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';
import { ProgressDisplay } from '../cli/progress.js';
import { loadSpecFile } from '../load.js';
import { startRunMetricsListener } from '../metrics-listen.js';
import { runSpec } from '../run-spec.js';
import { NOTIFY_FLAG_HELP, openRunNotifier } from './notify-flag.js';
import { HISTORY_FLAG_HELP, HISTORY_FLAG_OPTIONS, recordedLine } from './run-history.js';
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
  --link-base URL    Link repository files (the runbook) as URL/<path>, e.g.
                     https://github.com/org/repo/blob/<sha>, so summary.md works as a PR comment
  --json             Print the run summary as JSON on stdout (progress goes to stderr)
  --metrics-listen ADDR  Serve the run's Prometheus metrics at http://ADDR/metrics while it runs
                     (e.g. 127.0.0.1:9464; port 0: any free port, printed on stderr)
${NOTIFY_FLAG_HELP}
${HISTORY_FLAG_HELP}
  --dry-run          Validate the file (and the --notify config), print the plan; inject nothing
  -h, --help         This help

Exit codes: 0 SLOs met · 1 SLO breached · 2 invalid input · 3 aborted and rolled back ·
            4 infrastructure error · 5 rollback failed (the message names what may be active)

Examples:
  squall run experiments/demo-latency.yaml
  squall run experiments/demo-latency.yaml --var latency=400ms --junit reports/junit.xml
  squall run experiments/demo-latency.yaml --dry-run
  squall run experiments/gameday.yaml --out runs/gameday
  squall run experiments/demo-latency.yaml --history runs/history.db
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
    const linkBase = parseLinkBase(values['link-base']);
    const spec = await orReportIssues(io, positionals[0]!, () =>
      loadSpecFile(file, { ...parseSpecFlags(values), label: positionals[0] }),
    );
    if (!spec) return ExitCode.invalidInput;
    if (spec.kind === 'Suite') {
      const flags = {
        out: values.out,
        junit: values.junit,
        linkBase,
        json: values.json,
        dryRun: values['dry-run'],
        history: values.history,
        noHistory: values['no-history'],
        notify: values.notify,
      };
      return runLoadedSuite(spec.suite, flags, io);
    }
    const loaded = spec.experiment;
    const experiment = loaded.experiment;
    const plan = buildPlan(experiment);
    const notify = await openRunNotifier(values.notify, io);
    if (notify === 'invalid') return ExitCode.invalidInput;
    if (values['dry-run']) {
      io.stdout.write(renderPlan(plan));
      io.stdout.write('\ndry run: nothing was injected.\n');
      await notify?.close();
      return ExitCode.ok;
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const outDir = resolve(io.cwd, values.out ?? `runs/${experiment.metadata.name}-${stamp}`);
    const display = new ProgressDisplay(io.stderr);
    if (!values.json) io.stdout.write(renderPlan(plan));
    const metrics = values['metrics-listen']
      ? await startRunMetricsListener(values['metrics-listen'])
      : undefined;
    if (metrics) io.stderr.write(`metrics: ${metrics.url}\n`);
    const written = await runSpec({
      loaded,
      file,
      outDir,
      env: io.env,
      cwd: io.cwd,
      history: values.history,
      noHistory: values['no-history'],
      signal: io.signal,
      junitPath: values.junit,
      linkBase,
      warn: (text) => io.stderr.write(`squall run: ${escapeControlLines(text)}\n`),
      onRunner: (runner) => io.setActiveFaultReporter?.(() => describeActive(runner.activeFaults())),
      onProgress: (p) => {
        display.progress(p);
        metrics?.observer.onScoreboard(p.slos);
      },
      onEvent: (e) => {
        display.event(e);
        notify?.observe(e);
        metrics?.observer.onEvent(e);
      },
      onReportsDue: () => display.done(),
    }).finally(() => metrics?.close());
    const { result, recordedIn } = written;
    if (values.json) io.stdout.write(`${JSON.stringify(written.summary, null, 2)}\n`);
    else {
      // Errors and leftovers quote agents and user text: control characters escaped.
      io.stdout.write(escapeControlLines(renderTerminal(written.summary, written.paths)));
      if (recordedIn) io.stdout.write(recordedLine(recordedIn));
    }
    if (result.exitCode === ExitCode.rollbackFailed)
      io.stderr.write(`${escapeControlLines(result.error?.message ?? '')}\n`);
    notify?.runEnded(result.journalPath, written.run);
    await notify?.close();
    return result.exitCode;
  },
};

function parseArgsOrThrow(argv: string[]) {
  return parseFlags('run', argv, {
    ...SPEC_FLAG_OPTIONS,
    out: { type: 'string' },
    junit: { type: 'string' },
    'link-base': { type: 'string' },
    json: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'metrics-listen': { type: 'string' },
    ...HISTORY_FLAG_OPTIONS,
    notify: { type: 'string' },
  });
}
