/**
 * The spec loaders with Squall's own catalogs filled in (spec-catalogs.ts): what the commands and
 * the tests call to read an experiment or a suite.
 */

import { SpecError, type SpecIssue } from '../core/errors.js';
import { type LoadedSchedule, type ScheduleTarget, scheduleFromSource } from '../schedule/load.js';
import * as spec from '../spec/load.js';
import { readSpecFile } from '../spec/read-spec.js';
import type { Experiment } from '../spec/schema.js';
import { noSourceMap, type SourceMap } from '../spec/source-map.js';
import { validateExperiment as validate } from '../spec/validate.js';
import { readYamlSource } from '../spec/yaml-source.js';
import { type LoadedSpec, loadSpecFile as loadAnySpec, specFromSource, specKindOf } from '../suite/kind.js';
import * as suite from '../suite/load.js';
import { specCatalogs } from './spec-catalogs.js';

export type { LoadedExperiment } from '../spec/load.js';
export type { LoadedSpec } from '../suite/kind.js';

type Options<T extends { catalogs: unknown }> = Omit<T, 'catalogs'>;

export const loadExperimentFile = (path: string, opts: Options<spec.LoadOptions> = {}) =>
  spec.loadExperimentFile(path, { ...opts, catalogs: specCatalogs });

export const loadExperimentText = (text: string, file: string, opts: Options<spec.LoadOptions> = {}) =>
  spec.loadExperimentText(text, file, { ...opts, catalogs: specCatalogs });

export const loadSuiteFile = (path: string, opts: Options<suite.LoadSuiteOptions> = {}) =>
  suite.loadSuiteFile(path, { ...opts, catalogs: specCatalogs });

export const loadSpecFile = (path: string, opts: Options<spec.LoadOptions & suite.LoadSuiteOptions> = {}) =>
  loadAnySpec(path, { ...opts, catalogs: specCatalogs });

export const validateExperiment = (experiment: Experiment, source: SourceMap = noSourceMap()): SpecIssue[] =>
  validate(experiment, specCatalogs, source);

/** A file of any kind `squall validate` and `squall plan` take. */
export type LoadedAnyFile = LoadedSpec | { kind: 'Schedule'; schedule: LoadedSchedule };

/** Loads a schedule, with the experiment or suite it runs checked too. */
export async function loadScheduleFile(
  path: string,
  opts: Options<spec.LoadOptions> = {},
): Promise<LoadedSchedule> {
  const loaded = await loadAnyFile(path, opts);
  if (loaded.kind === 'Schedule') return loaded.schedule;
  const label = opts.label ?? path;
  throw new SpecError([
    {
      file: label,
      line: 1,
      col: 1,
      path: 'kind',
      message: `expected a Schedule (kind: Schedule), got a${loaded.kind === 'Experiment' ? 'n' : ''} ${loaded.kind}`,
    },
  ]);
}

/** An experiment, a suite or a schedule, told apart by `kind:` after one read and parse. */
export async function loadAnyFile(
  path: string,
  opts: Options<spec.LoadOptions & suite.LoadSuiteOptions> = {},
): Promise<LoadedAnyFile> {
  const label = opts.label ?? path;
  const text = await readSpecFile(path, label, 'experiment', { maxBytes: opts.maxFileBytes });
  const yaml = readYamlSource(text, label, opts.vars);
  if (specKindOf(yaml.value) === 'Schedule') {
    const schedule = await scheduleFromSource(yaml, path, {
      label,
      checkTarget: (file, targetLabel, vars) => scheduleTarget(file, targetLabel, vars, opts.maxFileBytes),
    });
    return { kind: 'Schedule', schedule };
  }
  return specFromSource(yaml, path, { ...opts, catalogs: specCatalogs });
}

/** What a schedule runs, loaded with its vars: names and SLOs for the budget checks. */
async function scheduleTarget(
  file: string,
  label: string,
  vars: Record<string, string>,
  maxFileBytes?: number,
): Promise<ScheduleTarget> {
  const loaded = await loadSpecFile(file, { label, vars, maxFileBytes });
  const slosOf = (e: Experiment) => e.slos.map((s) => s.name);
  if (loaded.kind === 'Suite') {
    const steps = loaded.suite.steps.flatMap((s) => (s.kind === 'experiment' ? [s] : []));
    return {
      kind: 'Suite',
      name: loaded.suite.suite.metadata.name,
      experiments: steps.map((s) => ({ name: s.experiment.metadata.name, slos: slosOf(s.experiment) })),
    };
  }
  const e = loaded.experiment.experiment;
  return {
    kind: 'Experiment',
    name: e.metadata.name,
    experiments: [{ name: e.metadata.name, slos: slosOf(e) }],
  };
}
