/**
 * The spec loaders with Squall's own catalogs filled in (spec-catalogs.ts): what the commands and
 * the tests call to read an experiment or a suite.
 */

import type { SpecIssue } from '../core/errors.js';
import * as spec from '../spec/load.js';
import type { Experiment } from '../spec/schema.js';
import { noSourceMap, type SourceMap } from '../spec/source-map.js';
import { validateExperiment as validate } from '../spec/validate.js';
import { loadSpecFile as loadAnySpec } from '../suite/kind.js';
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
