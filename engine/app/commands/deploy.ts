/** `squall deploy render`: Squall's Kubernetes manifests, generated and schema-checked (engine/app/deploy/). */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Cron } from 'croner';
import { DEFAULT_CONTROLLER_NAME } from '../../../agents/certs/certs.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';
import { SQUALL_VERSION } from '../../core/version.js';
import type { LoadedSuite } from '../../suite/load.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';
import { streamText, writeRendered } from '../deploy/output.js';
import { renderDeployment } from '../deploy/render.js';
import { loadSpecFile } from '../load.js';
import { orReportIssues } from './vars.js';

const help = `Usage: squall deploy render [options]

Renders Squall's Kubernetes manifests: the fault agent as a DaemonSet with only the
capabilities and node namespaces the drivers its policy allows need; fleet shards as a
StatefulSet of agents that allow fleet.shard and no fault driver, sized by devices per pod;
squall serve as a Deployment with a Service; the controller as a CronJob that runs a suite
(the monthly game day); a ServiceAccount per component with no API access; the mTLS Secrets
from a squall certs init directory; the namespace, labelled with the Pod Security level the
fault agent needs. Every object is checked against the Kubernetes OpenAPI schema, and every
certificate against its CA and the names the pods need, before anything is written. Apply
with kubectl apply -k DIR. No cluster was used to test this: see docs/kubernetes.md.

Options:
  --policy file          The fault agent's policy (required): the DaemonSet gets what its
                         drivers need and nothing else (docs/kubernetes.md)
  --namespace name       Namespace of everything (default squall)
  --image ref            Image with squall on its PATH, and nft, tc and ip for the fault
                         agent (default squall:${SQUALL_VERSION})
  --devices n            Devices the fleet shards simulate in all (default 10000)
  --devices-per-pod n    Most devices one fleet pod simulates (default 5000); pods:
                         devices / devices-per-pod, rounded up
  --certs dir            A squall certs init directory (default certs): certificates
                         squall-agent, squall-fleet (with the names squall-fleet-0, -1, ...)
                         and the controller's
  --controller name      The controller certificate the CronJob uses (default ${DEFAULT_CONTROLLER_NAME})
  --suite file           The suite the controller CronJob runs; without it, no CronJob
  --schedule cron        When (five cron fields or @monthly; default '0 3 1 * *': 03:00 on
                         the first of each month)
  --time-zone tz         The schedule's IANA time zone (default Etc/UTC)
  --runs-storage size    Size of the volume for runs and reports (default 5Gi)
  --out dir              Where to write one YAML file per component and kustomization.yaml
                         (default k8s); - writes one YAML stream to stdout
  -h, --help             This help

Exit codes: 0 rendered · 2 bad flags, policy, certificates or suite (nothing written)

Examples:
  squall certs init --dir certs --agent squall-agent --agent squall-fleet \\
    --host squall-fleet=squall-fleet-0 --host squall-fleet=squall-fleet-1 \\
    --host squall-fleet=squall-fleet-2 --host squall-fleet=squall-fleet-3
  squall deploy render --policy docs/kubernetes-agent-policy.yaml --out k8s
  squall deploy render --policy docs/kubernetes-agent-policy.yaml --namespace chaos --image registry.example/squall:${SQUALL_VERSION} \\
    --suite experiments/gameday.yaml --schedule '0 3 1 * *' --out k8s-chaos
  squall deploy render --policy docs/kubernetes-agent-policy.yaml --devices 20000 --devices-per-pod 5000 --out - > squall.yaml
`;

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'Render Kubernetes manifests (agent DaemonSet, fleet StatefulSet, CronJob, serve)',
  help,
  async run(argv, io) {
    const { values, positionals } = parseFlags('deploy', argv, {
      policy: { type: 'string' },
      namespace: { type: 'string' },
      image: { type: 'string' },
      devices: { type: 'string' },
      'devices-per-pod': { type: 'string' },
      certs: { type: 'string' },
      controller: { type: 'string' },
      suite: { type: 'string' },
      schedule: { type: 'string' },
      'time-zone': { type: 'string' },
      'runs-storage': { type: 'string' },
      out: { type: 'string' },
    });
    if (positionals[0] !== 'render' || positionals.length !== 1) {
      throw new SquallError(
        'SQUALL_USAGE',
        positionals[0] && positionals[0] !== 'render'
          ? `${unknownName('action', positionals[0], ['render'])} (squall deploy render [options])`
          : 'expected: squall deploy render --policy FILE [options]',
      );
    }
    if (values.policy === undefined) {
      throw new SquallError(
        'SQUALL_USAGE',
        "--policy is required: the fault agent's capabilities come from the drivers it allows (e.g. --policy docs/kubernetes-agent-policy.yaml)",
      );
    }
    const policyFile = resolve(io.cwd, values.policy);
    const devices = count('--devices', values.devices, 10_000);
    const schedule = values.schedule ?? '0 3 1 * *';
    const timeZone = values['time-zone'] ?? 'Etc/UTC';
    const nextRun = checkSchedule(schedule, timeZone);
    const suite = values.suite === undefined ? undefined : await loadSuite(io, values.suite);
    if (suite === null) return ExitCode.invalidInput;
    const rendered = await renderDeployment({
      namespace: namespaceName(values.namespace ?? 'squall'),
      image: imageRef(values.image ?? `squall:${SQUALL_VERSION}`),
      policy: { file: values.policy, text: readPolicy(policyFile) },
      devices,
      devicesPerPod: Math.min(devices, count('--devices-per-pod', values['devices-per-pod'], 5_000)),
      certs: { dir: resolve(io.cwd, values.certs ?? 'certs'), label: values.certs ?? 'certs' },
      controllerName: values.controller ?? DEFAULT_CONTROLLER_NAME,
      ...(suite ? { suite } : {}),
      schedule,
      timeZone,
      runsStorage: quantity('--runs-storage', values['runs-storage'] ?? '5Gi'),
    });
    for (const note of rendered.notes) io.stderr.write(`note: ${note}\n`);
    const out = values.out ?? 'k8s';
    if (out === '-') {
      io.stdout.write(streamText(rendered.files));
      return ExitCode.ok;
    }
    const dir = resolve(io.cwd, out);
    const written = writeRendered(dir, values.namespace ?? 'squall', rendered.files);
    const show = (p: string) => relative(io.cwd, p) || p;
    io.stdout.write(`${written.map((p) => `wrote ${show(p)}`).join('\n')}\n`);
    if (suite)
      io.stdout.write(
        `game day '${suite.suite.metadata.name}': next run ${nextRun} (the schedule is in ${timeZone})\n`,
      );
    io.stdout.write(
      `apply: kubectl apply -k ${show(dir)}   (secrets.yaml holds private keys: do not commit it)\n`,
    );
    return ExitCode.ok;
  },
};

async function loadSuite(io: CliIO, file: string): Promise<LoadedSuite | null> {
  const spec = await orReportIssues(io, file, () => loadSpecFile(resolve(io.cwd, file), { label: file }));
  if (!spec) return null;
  if (spec.kind !== 'Suite') {
    throw new SquallError(
      'SQUALL_USAGE',
      `--suite ${file}: an experiment, not a suite; the CronJob runs a kind: Suite file (docs/kubernetes.md): list the experiment in one`,
    );
  }
  return spec.suite;
}

function readPolicy(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `cannot read policy file ${path}: ${(err as Error).message}`);
  }
}

function count(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1_000_000) {
    throw new SquallError('SQUALL_USAGE', `${flag} '${excerpt(text)}': expected a whole number 1..1000000`);
  }
  return n;
}

function namespaceName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--namespace '${excerpt(name)}': expected a DNS label (lower-case letters, digits and -, at most 63), such as chaos`,
    );
  }
  return name;
}

function imageRef(ref: string): string {
  if (!/^[a-zA-Z0-9][\w.\-/:@]*$/.test(ref)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--image '${excerpt(ref)}': expected an image reference such as squall:${SQUALL_VERSION}`,
    );
  }
  return ref;
}

function quantity(flag: string, text: string): string {
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.test(text)) {
    throw new SquallError(
      'SQUALL_USAGE',
      `${flag} '${excerpt(text)}': expected a Kubernetes quantity such as 5Gi`,
    );
  }
  return text;
}

/** Kubernetes takes five cron fields or a macro; croner checks each field. Returns the next run. */
function checkSchedule(schedule: string, timeZone: string): string {
  const fields = schedule.trim().split(/\s+/);
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new SquallError(
      'SQUALL_USAGE',
      `--time-zone '${excerpt(timeZone)}': not an IANA time zone (e.g. Europe/Berlin)`,
    );
  }
  const macro = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(schedule);
  if (!macro && fields.length !== 5) {
    throw new SquallError(
      'SQUALL_USAGE',
      `--schedule '${excerpt(schedule)}': expected five cron fields (minute hour day-of-month month day-of-week), e.g. '0 3 1 * *', or @monthly`,
    );
  }
  try {
    const cron = new Cron(schedule, { paused: true, timezone: timeZone });
    const next = cron.nextRun();
    cron.stop();
    return next ? next.toISOString().replace(/:\d\d\.\d+Z$/, 'Z') : 'never';
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `--schedule '${excerpt(schedule)}': ${(err as Error).message}`);
  }
}
