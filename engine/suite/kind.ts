/**
 * Loading a Squall file of either kind: `squall run`, `plan` and `validate` take suites and
 * experiments alike and tell them apart by the top-level `kind:`. The file is read and parsed
 * once (within the size and YAML bounds) and the parse goes to the suite or the experiment
 * loader; anything that is not clearly a Suite is an experiment, whose errors explain the file.
 */
import { experimentFromSource, type LoadedExperiment, type LoadOptions } from '../spec/load.js';
import { readSpecFile } from '../spec/read-spec.js';
import { readYamlSource } from '../spec/yaml-source.js';
import { isSuite, type LoadedSuite, type LoadSuiteOptions, suiteFromSource } from './load.js';

export type LoadedSpec =
  | { kind: 'Suite'; suite: LoadedSuite }
  | { kind: 'Experiment'; experiment: LoadedExperiment };

/** Reads and validates a suite (with every experiment it lists) or an experiment; SpecError otherwise. */
export async function loadSpecFile(path: string, opts: LoadOptions & LoadSuiteOptions): Promise<LoadedSpec> {
  const label = opts.label ?? path;
  const text = await readSpecFile(path, label, 'experiment', { maxBytes: opts.maxFileBytes });
  const yaml = readYamlSource(text, label, opts.vars);
  if (isSuite(yaml.value)) return { kind: 'Suite', suite: await suiteFromSource(yaml, path, opts) };
  return {
    kind: 'Experiment',
    experiment: { ...experimentFromSource(yaml, label, opts.catalogs, path), file: path },
  };
}
