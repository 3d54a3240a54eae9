/**
 * Where each field of an experiment file was written, so every issue can say
 * `file:line:col field.path: message`. Paths use the syntax people read in messages:
 * dots between keys and `[i]` for list items (`faults[0].duration`).
 */
import type { SpecIssue } from '../core/errors.js';

export type PathSegment = string | number;
export type FieldPath = readonly PathSegment[];

/** A 1-based source position. */
export interface Position {
  line: number;
  col: number;
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/** `['faults', 0, 'duration']` → `faults[0].duration`; odd keys are quoted: `env["A.B"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Positions of the fields of one loaded file. */
export interface SourceMap {
  readonly file: string;
  /** True when the field at `path` is written in the file (not filled in by a default). */
  has(path: FieldPath): boolean;
  /** Where the value at `path` starts; the nearest written ancestor when it is not written. */
  valueAt(path: FieldPath): Position;
  /** Where the key naming `path` starts; falls back to `valueAt` (list items have no key). */
  keyAt(path: FieldPath): Position;
  /** An issue at the value (or key) of `path`, with the path formatted for people. */
  issue(path: FieldPath, message: string, at?: 'value' | 'key'): SpecIssue;
}

interface Entry {
  value: Position;
  key?: Position;
}

const START: Position = { line: 1, col: 1 };

/** A source map filled in while walking a parsed YAML document (see `yaml-source.ts`). */
export class RecordedSourceMap implements SourceMap {
  readonly #entries = new Map<string, Entry>();
  constructor(readonly file: string) {}

  record(path: FieldPath, value: Position, key?: Position): void {
    this.#entries.set(formatPath(path), key ? { value, key } : { value });
  }

  has(path: FieldPath): boolean {
    return this.#entries.has(formatPath(path));
  }

  valueAt(path: FieldPath): Position {
    for (let n = path.length; n >= 0; n--) {
      const entry = this.#entries.get(formatPath(path.slice(0, n)));
      if (entry) return entry.value;
    }
    return START;
  }

  keyAt(path: FieldPath): Position {
    return this.#entries.get(formatPath(path))?.key ?? this.valueAt(path);
  }

  issue(path: FieldPath, message: string, at: 'value' | 'key' = 'value'): SpecIssue {
    const { line, col } = at === 'key' ? this.keyAt(path) : this.valueAt(path);
    return { file: this.file, line, col, path: formatPath(path), message };
  }
}

/** For experiments built in code: every issue points at 1:1 of `file`. */
export function noSourceMap(file = '<experiment>'): SourceMap {
  return new RecordedSourceMap(file);
}

/** Sorts issues by position; issues at the same place keep the order they were found in. */
export function sortIssues(issues: SpecIssue[]): SpecIssue[] {
  // Array.prototype.sort is stable (ES2019), which keeps ties in discovery order.
  return [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
}
