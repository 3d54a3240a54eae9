/**
 * Loading a suite file: YAML with positions and `${var}` substitution (the experiment loader's
 * `readYamlSource`) → zod schema → every listed experiment loaded and validated with its vars,
 * so a typo in the fourth experiment fails `squall validate`, not the afternoon of the game day.
 * Issues in the suite are positioned in the suite (`gameday.yaml:12:11 experiments[2].file:
 * ...`); issues inside an experiment keep that file's own positions.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isSquallError, SpecError, type SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import type { SpecCatalogs } from '../spec/catalogs.js';
import { experimentFromSource, type LoadedExperiment } from '../spec/load.js';
import { readSpecFile } from '../spec/read-spec.js';
import { checkRunbook } from '../spec/runbook.js';
import type { Experiment } from '../spec/schema.js';
import { type RecordedSourceMap, sortIssues } from '../spec/source-map.js';
import { readYamlSource, type YamlSource } from '../spec/yaml-source.js';
import { friendlyZodError, specIssuesFromZod } from '../spec/zod-issues.js';
import { Suite, SuiteExperiment, SuitePause, type SuiteStepSpec } from './schema.js';

/** One step of a loaded suite, in order. */
export type SuiteStep =
  | {
      kind: 'experiment';
      /** Unique within the suite: `name:` or the experiment's metadata.name. */
      name: string;
      /** Absolute path of the experiment file. */
      file: string;
      /** The path as issues and reports show it (relative to where the suite was named). */
      label: string;
      /** The `--var` overrides the suite gives it, as text. */
      vars: Record<string, string>;
      experiment: Experiment;
    }
  | { kind: 'pause'; pauseMs: number };

export type SuiteExperimentStep = Extract<SuiteStep, { kind: 'experiment' }>;

export interface LoadedSuite {
  file: string;
  label: string;
  suite: Suite;
  steps: SuiteStep[];
}

export interface LoadSuiteOptions {
  /** What each experiment is checked against (engine/app/spec-catalogs.ts). */
  catalogs: SpecCatalogs;
  /** `--var name=value` overrides of the suite's own vars. */
  vars?: Record<string, string>;
  /** How issues name the suite file; default the path read. */
  label?: string;
  /** Largest file accepted, the suite and each experiment (`--max-file-size`); default 1 MiB. */
  maxFileBytes?: number;
}

/**
 * Reads and validates a suite and every experiment it lists. Throws SpecError with every
 * issue (the suite's first, sorted by position; then each experiment's, in suite order).
 */
export async function loadSuiteFile(path: string, opts: LoadSuiteOptions): Promise<LoadedSuite> {
  const label = opts.label ?? path;
  const text = await readSpecFile(path, label, 'suite', { maxBytes: opts.maxFileBytes });
  return suiteFromSource(readYamlSource(text, label, opts.vars), path, opts);
}

/** As `loadSuiteFile`, for a file already read as YAML (`yaml`, named by `opts.label`). */
export async function suiteFromSource(
  yaml: YamlSource,
  path: string,
  opts: LoadSuiteOptions,
): Promise<LoadedSuite> {
  const label = opts.label ?? path;
  const { value, source, issues: walkIssues } = yaml;
  const suiteIssues: SpecIssue[] = [...walkIssues];
  const experimentIssues: SpecIssue[] = [];
  const parsed = Suite.safeParse(value, { error: friendlyZodError });
  if (!parsed.success) {
    const varPaths = new Set(walkIssues.map((i) => i.path));
    suiteIssues.push(
      ...specIssuesFromZod(parsed.error.issues, { schema: Suite, input: value, source }).filter(
        (i) => !varPaths.has(i.path),
      ),
    );
  }
  if (parsed.success) suiteIssues.push(...checkRunbook(path, parsed.data.metadata.runbook, source));
  // Entries that parse on their own are checked even when the rest of the file does not.
  const rawSteps = (value as { experiments?: unknown }).experiments;
  const specs: (SuiteStepSpec | undefined)[] = parsed.success
    ? parsed.data.experiments
    : Array.isArray(rawSteps)
      ? rawSteps.map((s) => SuiteExperiment.safeParse(s).data ?? SuitePause.safeParse(s).data)
      : [];

  const steps: SuiteStep[] = [];
  // A file listed again with the same vars is read and checked once (a suite of 100 copies of
  // a hostile file costs one refusal).
  const memo = new Map<string, Promise<LoadedExperiment | 'suite'>>();
  const firstLine = new Map<string, number>();
  for (const [i, spec] of specs.entries()) {
    if (!spec) continue;
    if ('pause' in spec) {
      steps.push({ kind: 'pause', pauseMs: spec.pause });
      continue;
    }
    const loaded = await loadEntry(path, label, spec, i, source, suiteIssues, experimentIssues, opts, memo);
    if (!loaded) continue;
    const name = spec.name ?? loaded.experiment.experiment.metadata.name;
    const namePath = ['experiments', i, spec.name === undefined ? 'file' : 'name'];
    const first = firstLine.get(name);
    if (first !== undefined) {
      suiteIssues.push(
        source.issue(
          namePath,
          `experiment '${name}' is already in this suite (line ${first}); give one of them a name: to tell their runs apart`,
        ),
      );
    } else {
      firstLine.set(name, source.valueAt(namePath).line);
    }
    steps.push({ kind: 'experiment', name, ...loaded, experiment: loaded.experiment.experiment });
  }
  const issues = [...sortIssues(suiteIssues), ...experimentIssues];
  if (issues.length > 0 || !parsed.success) throw new SpecError(issues);
  return { file: path, label, suite: parsed.data, steps };
}

/** Loads one listed experiment; its problems go to `suiteIssues` (about the entry) or `experimentIssues`. */
async function loadEntry(
  suitePath: string,
  suiteLabel: string,
  spec: { file: string; vars?: Record<string, string | number | boolean> },
  i: number,
  source: RecordedSourceMap,
  suiteIssues: SpecIssue[],
  experimentIssues: SpecIssue[],
  opts: LoadSuiteOptions,
  memo: Map<string, Promise<LoadedExperiment | 'suite'>>,
): Promise<
  { file: string; label: string; vars: Record<string, string>; experiment: LoadedExperiment } | undefined
> {
  const file = resolve(dirname(suitePath), spec.file);
  const label = isAbsolute(spec.file) ? spec.file : join(dirname(suiteLabel), spec.file);
  const vars = Object.fromEntries(Object.entries(spec.vars ?? {}).map(([k, v]) => [k, String(v)]));
  const at = ['experiments', i, 'file'];
  try {
    const result = await loadListed(file, label, vars, opts, memo);
    if (result === 'suite') {
      suiteIssues.push(
        source.issue(
          at,
          `'${excerpt(spec.file)}' is a Suite; suites do not nest, so list its experiments here`,
        ),
      );
      return undefined;
    }
    return { file, label, vars, experiment: result };
  } catch (err) {
    if (err instanceof SpecError && err.code === 'SQUALL_SPEC_UNREADABLE') {
      const reason = err.issues[0]?.message.replace(/^cannot read the experiment file: /, '') ?? '';
      suiteIssues.push(source.issue(at, `cannot read experiment '${excerpt(spec.file)}': ${reason}`));
    } else if (err instanceof SpecError) {
      const n = err.issues.length;
      suiteIssues.push(
        source.issue(
          at,
          `experiment '${excerpt(spec.file)}' is invalid: ${n} issue${n === 1 ? '' : 's'}, listed below`,
        ),
      );
      experimentIssues.push(...err.issues);
    } else if (isSquallError(err) && err.code === 'SQUALL_VAR_INVALID') {
      // One line per bad override, `--var name=value: ...`; here the override is a key in the suite.
      for (const line of err.message.split('\n')) {
        const name = /^--var ([^=]+)=/.exec(line)?.[1];
        const message = line.replace(/^--var [^:]*: /, '');
        suiteIssues.push(source.issue(['experiments', i, 'vars', ...(name ? [name] : [])], message, 'key'));
      }
    } else {
      throw err;
    }
    return undefined;
  }
}

/** True when a parsed file's top level says `kind: Suite` (anything else is an experiment). */
export function isSuite(value: unknown): boolean {
  return (value as { kind?: unknown } | null)?.kind === 'Suite';
}

/** Reads and loads one listed experiment once per (file, vars); `'suite'` when it is a Suite. */
function loadListed(
  file: string,
  label: string,
  vars: Record<string, string>,
  opts: LoadSuiteOptions,
  memo: Map<string, Promise<LoadedExperiment | 'suite'>>,
): Promise<LoadedExperiment | 'suite'> {
  const key = JSON.stringify([file, label, vars]);
  let loading = memo.get(key);
  if (!loading) {
    loading = (async () => {
      // One read and one parse: the kind check and the experiment loader share them.
      const text = await readSpecFile(file, label, 'experiment', { maxBytes: opts.maxFileBytes });
      const yaml = readYamlSource(text, label, vars);
      if (isSuite(yaml.value)) return 'suite' as const;
      return { ...experimentFromSource(yaml, label, opts.catalogs, file), file };
    })();
    memo.set(key, loading);
  }
  return loading;
}
