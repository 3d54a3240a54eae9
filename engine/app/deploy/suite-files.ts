/**
 * A suite as the controller pod sees it: the suite file, every experiment it lists and their
 * runbooks, in one ConfigMap mounted at PATHS.suite with the same layout relative to each other,
 * so `squall run` in the pod resolves every relative path as it did where the suite was written.
 * A runbook found at the repository root (engine/spec/runbook.ts) is placed where the pod's
 * lookup next to the experiment finds it: the pod has no repository.
 *
 * Refused (SQUALL_DEPLOY_INVALID, positioned): an agent whose `tls:` files are not the
 * controller's certificate as the pod mounts it, and a suite over what a ConfigMap holds.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { formatSpecIssue, type SpecIssue, SquallError } from '../../core/errors.js';
import { buildPlan } from '../../run/plan.js';
import { resolveRunbook } from '../../spec/runbook.js';
import type { LoadedSuite, SuiteExperimentStep } from '../../suite/load.js';
import { loadExperimentFile } from '../load.js';
import { NAMES, PATHS, TLS_FILES } from './common.js';

/** What one ConfigMap may hold (etcd's 1 MiB object limit, less room for the object around it). */
const MAX_SUITE_BYTES = 1_000_000;

export interface PackedSuite {
  /** ConfigMap data: one key per file. */
  readonly data: Record<string, string>;
  /** Where each key goes under PATHS.suite. */
  readonly items: readonly { key: string; path: string }[];
  /** The suite file's path in the pod. */
  readonly suitePath: string;
  /** Every experiment's planned time plus the pauses, for the Job's deadline. */
  readonly plannedMs: number;
  readonly name: string;
}

interface PlacedFile {
  /** Where the pod expects it, as an absolute path on this machine (before re-basing). */
  at: string;
  /** Where it is read from. */
  from: string;
}

export async function packSuite(loaded: LoadedSuite): Promise<PackedSuite> {
  const suiteFile = resolve(loaded.file);
  const experiments = loaded.steps.filter((s): s is SuiteExperimentStep => s.kind === 'experiment');
  const placed: PlacedFile[] = [{ at: suiteFile, from: suiteFile }];
  const addRunbook = (owner: string, runbook: string | undefined) => {
    const found = resolveRunbook(owner, runbook);
    if (!found || !runbook) return; // a URL or no runbook (a missing one failed loading already)
    if (isAbsolute(runbook)) {
      throw new SquallError(
        'SQUALL_DEPLOY_INVALID',
        `${owner}: metadata.runbook '${runbook}' is an absolute path, which the controller pod does not have; give a path relative to the file, or a URL`,
      );
    }
    placed.push({ at: join(dirname(owner), runbook), from: found.path });
  };
  addRunbook(suiteFile, loaded.suite.metadata.runbook);
  for (const step of experiments) {
    placed.push({ at: resolve(step.file), from: resolve(step.file) });
    addRunbook(resolve(step.file), step.experiment.metadata.runbook);
  }
  const unique = [...new Map(placed.map((p) => [p.at, p])).values()];
  const base = commonDir(unique.map((p) => dirname(p.at)));
  const podPath = (at: string) => relative(base, at).split(sep).join('/');

  await checkAgentTls(experiments, (file) => join(PATHS.suite, podPath(dirname(file))));

  const data: Record<string, string> = {};
  const items: { key: string; path: string }[] = [];
  unique.forEach((file, i) => {
    const key = `${String(i).padStart(2, '0')}-${basename(file.at).replace(/[^-._a-zA-Z0-9]/g, '_')}`;
    data[key] = readFileSync(file.from, 'utf8');
    items.push({ key, path: podPath(file.at) });
  });
  const bytes = Object.values(data).reduce((n, text) => n + Buffer.byteLength(text), 0);
  if (bytes > MAX_SUITE_BYTES) {
    throw new SquallError(
      'SQUALL_DEPLOY_INVALID',
      `${loaded.label}: the suite, its experiments and runbooks are ${bytes} bytes; one ConfigMap holds at most ${MAX_SUITE_BYTES} (bake them into the image instead)`,
    );
  }
  const plannedMs = loaded.steps.reduce(
    (ms, step) => ms + (step.kind === 'pause' ? step.pauseMs : buildPlan(step.experiment).totalMs),
    0,
  );
  return {
    data,
    items,
    suitePath: `${PATHS.suite}/${podPath(suiteFile)}`,
    plannedMs,
    name: loaded.suite.metadata.name,
  };
}

/**
 * Every `agents.<name>.tls` file must be the controller certificate the pod mounts: a path
 * that worked on the laptop the suite was written on names nothing in the pod.
 */
async function checkAgentTls(
  experiments: readonly SuiteExperimentStep[],
  podDirOf: (file: string) => string,
): Promise<void> {
  const issues: SpecIssue[] = [];
  for (const step of experiments) {
    const wrong: [string, keyof typeof TLS_FILES, string][] = [];
    for (const [agent, spec] of Object.entries(step.experiment.agents ?? {})) {
      for (const field of ['ca', 'cert', 'key'] as const) {
        const value = spec.tls?.[field];
        if (value === undefined) continue;
        const inPod = isAbsolute(value) ? value : join(podDirOf(step.file), value);
        if (inPod !== TLS_FILES[field]) wrong.push([agent, field, value]);
      }
    }
    if (wrong.length === 0) continue;
    // Loaded again for positions: a suite step keeps the experiment, not where each field was.
    const { source } = await loadExperimentFile(step.file, { vars: step.vars, label: step.label });
    for (const [agent, field, value] of wrong) {
      issues.push(
        source.issue(
          ['agents', agent, 'tls', field],
          `'${value}' is not in the controller pod: its certificate (Secret ${NAMES.controllerTls}) is mounted as ${TLS_FILES[field]}; write that path (a suite var keeps the file usable elsewhere)`,
        ),
      );
    }
  }
  if (issues.length > 0) {
    throw new SquallError('SQUALL_DEPLOY_INVALID', issues.map(formatSpecIssue).join('\n'));
  }
}

function commonDir(dirs: readonly string[]): string {
  const split = dirs.map((d) => d.split(sep));
  const first = split[0]!;
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}
