/** What the cross-field checks share: the parsed parts, the source map, the issue list. */

import { closest } from '../core/did-you-mean.js';
import type { SpecIssue } from '../core/errors.js';
import type { SpecCatalogs } from './catalogs.js';
import type { Experiment, FaultSpec, GuardSpec, ProbeSpec, SloSpec } from './schema.js';
import type { FieldPath, SourceMap } from './source-map.js';

type Sections = Omit<Experiment, 'faults' | 'slos' | 'probes' | 'guards'>;

/**
 * An experiment as far as it parsed. List items that failed the schema are `undefined` (so
 * indices still match the file); top-level sections that failed are in `broken`, and the
 * checks that need them are skipped rather than reporting knock-on errors.
 */
export interface ExperimentParts {
  sections: Partial<Sections>;
  faults: (FaultSpec | undefined)[];
  slos: (SloSpec | undefined)[];
  probes: (ProbeSpec | undefined)[];
  guards: (GuardSpec | undefined)[];
  broken: ReadonlySet<string>;
}

/** Shared by every check of one validation run. */
export interface Ctx {
  parts: ExperimentParts;
  source: SourceMap;
  issues: SpecIssue[];
  catalogs: SpecCatalogs;
}

/** Records an issue at `path` (its value, or the nearest written ancestor). */
export function add(ctx: Ctx, path: FieldPath, message: string): void {
  ctx.issues.push(ctx.source.issue(path, message));
}

/** `agent 'x' is not declared under agents (did you mean ...?); declared: ...` */
export function notDeclared(what: string, name: string, names: string[], where: string, extra = ''): string {
  const declared = [...new Set(names)];
  const tail = extra ? `; ${extra}` : '';
  if (declared.length === 0) return `${what} '${name}' is not declared (${where} declares none)${tail}`;
  const near = closest(name, declared);
  const hint = near ? ` (did you mean '${near}'?)` : '';
  return `${what} '${name}' is not declared under ${where}${hint}; declared: ${[...declared].sort().join(', ')}${tail}`;
}
