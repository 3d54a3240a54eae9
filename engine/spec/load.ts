/**
 * Loading an experiment file: YAML with positions → `${var}` substitution → zod schema →
 * cross-field and registry checks (`validate.ts`). Every problem found is collected and
 * thrown at once as a SpecError, each issue positioned as `file:line:col field.path: message`.
 */
import { SpecError, type SpecIssue } from '../core/errors.js';
import type { SpecCatalogs } from './catalogs.js';
import { readSpecFile } from './read-spec.js';
import { checkRunbook } from './runbook.js';
import { Experiment } from './schema.js';
import { secretRefIssues } from './secret-refs.js';
import { type SourceMap, sortIssues } from './source-map.js';
import { checkExperiment, partialExperiment } from './validate.js';
import type { VarValue } from './vars.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';
import { friendlyZodError, specIssuesFromZod } from './zod-issues.js';

/** An experiment that loaded cleanly, with the vars that were in effect. */
export interface LoadedExperiment {
  file: string;
  experiment: Experiment;
  /** Declared vars with `--var` overrides applied. */
  vars: Record<string, VarValue>;
  /** Where each field was written, for problems found later (at run start). */
  source: SourceMap;
}

export interface LoadOptions {
  /** What fault kinds, probe kinds and SLO checks the file is checked against (engine/app/spec-catalogs.ts). */
  catalogs: SpecCatalogs;
  /** `--var name=value` overrides, values as typed on the command line (read as YAML scalars). */
  vars?: Record<string, string>;
  /** How issues name the file (e.g. the path as the user typed it); default: the path read. */
  label?: string;
  /** Where the file is on disk, for checks relative to it (`metadata.runbook`). */
  path?: string;
  /** Largest file accepted (`--max-file-size`); default 1 MiB (limits.ts). */
  maxFileBytes?: number;
}

/**
 * Reads and validates an experiment file. Throws SpecError (SQUALL_SPEC_UNREADABLE when the
 * file cannot be read, SQUALL_SPEC_INVALID with every issue otherwise, including a file over
 * the size cap or not UTF-8), or SquallError
 * SQUALL_VAR_INVALID when an override names a variable the file does not declare.
 */
export async function loadExperimentFile(path: string, opts: LoadOptions): Promise<LoadedExperiment> {
  const text = await readSpecFile(path, opts.label ?? path, 'experiment', { maxBytes: opts.maxFileBytes });
  return { ...loadExperimentText(text, opts.label ?? path, { ...opts, path }), file: path };
}

export { readSpecFile } from './read-spec.js';

/** As `loadExperimentFile`, for text already in memory; `file` names it in issues (`label` is ignored). */
export function loadExperimentText(text: string, file: string, opts: LoadOptions): LoadedExperiment {
  return experimentFromSource(readYamlSource(text, file, opts.vars), file, opts.catalogs, opts.path);
}

/**
 * As `loadExperimentText`, for a file already read as YAML (one parse when the kind is checked
 * first). `path`: where the file is on disk, for checks relative to it (`metadata.runbook`).
 */
export function experimentFromSource(
  yaml: YamlSource,
  file: string,
  catalogs: SpecCatalogs,
  path?: string,
): LoadedExperiment {
  const { value, source, vars, issues: walkIssues } = yaml;
  // Secret references are only checked for form here; they are resolved when the run starts.
  const issues: SpecIssue[] = [...walkIssues, ...secretRefIssues(value, source)];
  const parsed = Experiment.safeParse(value, { error: friendlyZodError });
  if (parsed.success) {
    issues.push(...checkExperiment(parsed.data, source, catalogs));
    if (path) issues.push(...checkRunbook(path, parsed.data.metadata.runbook, source));
  } else {
    issues.push(...specIssuesFromZod(parsed.error.issues, { schema: Experiment, input: value, source }));
    // Still run the cross-field checks on the parts that did parse, so one run shows everything.
    issues.push(...checkExperiment(partialExperiment(value), source, catalogs));
  }
  if (issues.length > 0 || !parsed.success) {
    // A field holding an undefined `${var}` is reported once, as that, not again as a bad value.
    const varPaths = new Set(walkIssues.map((i) => i.path));
    const rest = issues.slice(walkIssues.length).filter((i) => !varPaths.has(i.path));
    throw new SpecError(sortIssues(dedupe([...walkIssues, ...rest])));
  }
  return { file, experiment: parsed.data, vars: vars as Record<string, VarValue>, source };
}

/** The same problem can surface twice (e.g. a var and the schema); report it once. */
function dedupe(issues: SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.line}:${i.col}:${i.path}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
