/**
 * Loading a Squall file of either runnable kind: `squall run`, `plan` and `validate` take suites
 * and experiments alike and tell them apart by the top-level `kind:`. The file is read and parsed
 * once (within the size and YAML bounds) and the parse goes to the suite or the experiment
 * loader; anything that is not clearly a Suite or a Schedule is an experiment, whose errors
 * explain the file. A Schedule is not run directly: this loader says where it goes instead
 * (engine/app/load.ts's `loadAnyFile` gives it to engine/schedule, one layer over).
 */
import { SpecError } from '../core/errors.js';
import { experimentFromSource, type LoadedExperiment, type LoadOptions } from '../spec/load.js';
import { readSpecFile } from '../spec/read-spec.js';
import { readYamlSource, type YamlSource } from '../spec/yaml-source.js';
import { isSuite, type LoadedSuite, type LoadSuiteOptions, suiteFromSource } from './load.js';

export type LoadedSpec =
  | { kind: 'Suite'; suite: LoadedSuite }
  | { kind: 'Experiment'; experiment: LoadedExperiment };

export type SpecKind = 'Suite' | 'Schedule' | 'Experiment';

/** The kind a parsed file's top level says it is; anything unclear is an experiment. */
export function specKindOf(value: unknown): SpecKind {
  if (isSuite(value)) return 'Suite';
  if ((value as { kind?: unknown } | null)?.kind === 'Schedule') return 'Schedule';
  return 'Experiment';
}

/** Reads and validates a suite (with every experiment it lists) or an experiment; SpecError otherwise. */
export async function loadSpecFile(path: string, opts: LoadOptions & LoadSuiteOptions): Promise<LoadedSpec> {
  const label = opts.label ?? path;
  const text = await readSpecFile(path, label, 'experiment', { maxBytes: opts.maxFileBytes });
  return specFromSource(readYamlSource(text, label, opts.vars), path, opts);
}

/** As `loadSpecFile`, for a file already read as YAML (named by `opts.label`). */
export async function specFromSource(
  yaml: YamlSource,
  path: string,
  opts: LoadOptions & LoadSuiteOptions,
): Promise<LoadedSpec> {
  const label = opts.label ?? path;
  const kind = specKindOf(yaml.value);
  if (kind === 'Suite') return { kind: 'Suite', suite: await suiteFromSource(yaml, path, opts) };
  if (kind === 'Schedule') {
    throw new SpecError([
      yaml.source.issue(
        ['kind'],
        'a Schedule is not run directly: give it to squall schedule run or squall serve --schedules (squall validate and squall plan check it)',
      ),
    ]);
  }
  return {
    kind: 'Experiment',
    experiment: { ...experimentFromSource(yaml, label, opts.catalogs, path), file: path },
  };
}
