/**
 * Where an experiment's `metadata.runbook` points. A URL (`https://...`) is taken as is. A path
 * is looked up next to the experiment file first, then at the repository root (the nearest
 * directory above the experiment file that holds `.git`), so both `../runbooks/x.md` and
 * `runbooks/x.md` work from `experiments/`. `squall validate` (and `run`) report a path that
 * is in neither place; the runner records the file it found in the journal (`run.start`
 * `runbook`), because reports are rendered from the journal alone, on any machine.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SpecIssue } from '../core/errors.js';
import type { SourceMap } from './source-map.js';
import { hasUrlScheme } from './url-scheme.js';

/** The runbook file a run used: its absolute path, and its path in the repository (POSIX). */
export interface RunbookFile {
  path: string;
  /** Relative to the repository root, `/`-separated; null when the experiment is not in one. */
  repoPath: string | null;
}

/** The nearest directory at or above `dir` that holds `.git` (a directory, or a worktree's file). */
function repositoryRoot(dir: string): string | null {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return null;
  }
}

const isFile = (path: string) => existsSync(path) && statSync(path).isFile();

/** The places a runbook path is looked for, in order. */
function runbookCandidates(experimentFile: string, runbook: string): string[] {
  if (isAbsolute(runbook)) return [runbook];
  const here = dirname(resolve(experimentFile));
  const root = repositoryRoot(here);
  const places = [join(here, runbook)];
  if (root && root !== here) places.push(join(root, runbook));
  return places;
}

/** The runbook file, or undefined for a URL, no runbook, or a path found nowhere. */
export function resolveRunbook(experimentFile: string, runbook: string | undefined): RunbookFile | undefined {
  if (!runbook || hasUrlScheme(runbook)) return undefined;
  const path = runbookCandidates(experimentFile, runbook).find(isFile);
  if (!path) return undefined;
  const root = repositoryRoot(dirname(path));
  const inRepo = root ? relative(root, path) : null;
  return { path, repoPath: inRepo === null || inRepo.startsWith('..') ? null : inRepo.split(sep).join('/') };
}

/** A positioned issue when `metadata.runbook` is a path that is in none of the places looked. */
export function checkRunbook(
  experimentFile: string,
  runbook: string | undefined,
  source: SourceMap,
): SpecIssue[] {
  if (!runbook || hasUrlScheme(runbook) || resolveRunbook(experimentFile, runbook)) return [];
  const places = runbookCandidates(experimentFile, runbook);
  const where = places.length > 1 ? 'next to the experiment file, nor at the repository root' : 'there';
  return [
    source.issue(
      ['metadata', 'runbook'],
      `runbook '${runbook}' not found ${where} (looked for ${places.join(' and ')}); give a path relative to the experiment file or the repository root, or a URL`,
    ),
  ];
}
