/**
 * YAML text → plain value plus a source map. We walk the `yaml` package's node tree ourselves
 * (rather than `doc.toJS()`) so that every field keeps its position, duplicate keys are
 * reported with both lines, and `${var}` substitution happens where the scalar was written.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type ParsedNode,
  type YAMLError,
} from 'yaml';
import { SpecError, type SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import { MAX_EXPANDED_VALUES, MAX_NESTING, MAX_SUBSTITUTED_CHARS } from '../core/limits.js';
import { type FieldPath, formatPath, type Position, RecordedSourceMap } from './source-map.js';
import { applyVarOverrides, substituteVars, undefinedVarMessage } from './vars.js';
import { parseYamlBounded, positionIn, YamlLimitError } from './yaml-parse.js';

/** A parsed file: the plain value for zod, where each field was written, and the vars in effect. */
export interface YamlSource {
  value: unknown;
  source: RecordedSourceMap;
  /** Declared vars with `--var` overrides applied. */
  vars: Record<string, unknown>;
  /** Problems found while walking (duplicate keys, undefined vars, bad aliases). */
  issues: SpecIssue[];
}

/**
 * Parses one experiment file. Throws SpecError when the text is not usable YAML (syntax
 * errors, empty file, not a mapping) and SquallError SQUALL_VAR_INVALID for bad overrides;
 * anything found while walking is returned in `issues` so zod's findings can join them.
 */
export function readYamlSource(
  text: string,
  file: string,
  overrides: Readonly<Record<string, string>> = {},
): YamlSource {
  const issue = (pos: Position, path: FieldPath, message: string): SpecIssue => ({
    file,
    ...pos,
    path: formatPath(path),
    message,
  });
  let parsed: ReturnType<typeof parseYamlBounded>;
  try {
    parsed = parseYamlBounded(text, { uniqueKeys: false });
  } catch (err) {
    if (!(err instanceof YamlLimitError)) throw err;
    throw new SpecError([issue(positionIn(text, err.offset), [], err.message)]);
  }
  const { doc, lines } = parsed;
  const at = (offset: number): Position => lines.linePos(offset);

  if (doc.errors.length > 0) {
    throw new SpecError(
      syntaxErrors(doc.errors).map((err) => {
        const unclosed = unclosedOpener(text, err);
        return unclosed
          ? issue(at(unclosed.offset), [], `invalid YAML: ${unclosed.message}`)
          : issue(at(err.pos[0]), [], `invalid YAML: ${yamlMessage(err)}`);
      }),
    );
  }
  const unresolvedTags = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unresolvedTags.length > 0) {
    throw new SpecError(
      unresolvedTags.map((w) => {
        const tag = /^\S*/.exec(text.slice(w.pos[0], w.pos[1]))![0];
        return issue(
          at(w.pos[0]),
          [],
          `unsupported tag '${excerpt(tag)}'; write a plain value (experiment files use no YAML tags)`,
        );
      }),
    );
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    throw new SpecError([
      issue(
        { line: 1, col: 1 },
        [],
        'the file is empty; expected an experiment starting with apiVersion: squall/v1 and kind: Experiment',
      ),
    ]);
  }
  if (!isMap(root)) {
    throw new SpecError([
      issue(
        at(root.range[0]),
        [],
        `expected a mapping (apiVersion, kind, metadata, ...), got ${isSeq(root) ? 'a list' : 'a scalar'}`,
      ),
    ]);
  }

  const source = new RecordedSourceMap(file);
  const issues: SpecIssue[] = [];
  // Budgets: values walked with aliases expanded, and characters `${var}` substitution made.
  let values = 0;
  let substitutedChars = 0;
  // The outermost alias being expanded: where an alias bomb is reported.
  let expanding: { alias: string; path: FieldPath } | undefined;
  const refuse = (path: FieldPath, message: string): never => {
    throw new SpecError([issue(source.valueAt(path), path, message)]);
  };
  let vars: Record<string, unknown> = {};
  let declaredNames: string[] = [];

  // The walk expands aliases itself (positions, substitution), so the `yaml` package's own
  // alias limit (maxAliasCount, enforced only inside its toJS) never applies: the budget is here.
  const walk = (node: Node | null | undefined, path: FieldPath, depth: number): unknown => {
    if (node === null || node === undefined) return null;
    if (++values > MAX_EXPANDED_VALUES) {
      if (!expanding) refuse(path, `the file holds more than ${MAX_EXPANDED_VALUES} values`);
      refuse(
        expanding!.path,
        `alias '*${excerpt(expanding!.alias)}' expands the file past ${MAX_EXPANDED_VALUES} values (an alias bomb?); write the values out or use fewer aliases`,
      );
    }
    if (depth > MAX_NESTING) {
      issues.push(issue(source.valueAt(path), path, `nesting deeper than ${MAX_NESTING} levels`));
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc as Document);
      if (!target) {
        issues.push(issue(source.valueAt(path), path, `unknown alias '*${excerpt(node.source)}'`));
        return null;
      }
      const outermost = expanding === undefined;
      if (outermost) expanding = { alias: node.source, path };
      try {
        return walk(target, path, depth + 1);
      } finally {
        if (outermost) expanding = undefined;
      }
    }
    if (isScalar(node)) {
      // No substitution inside vars: itself: their values are the defaults as written.
      if (typeof node.value !== 'string' || path[0] === 'vars') return node.value;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      const { value, undefinedNames } = substituteVars(node.value, vars, { quoted });
      for (const name of undefinedNames) {
        issues.push(issue(source.valueAt(path), path, undefinedVarMessage(name, declaredNames)));
      }
      if (value !== node.value) substitutedChars += String(value).length;
      if (substitutedChars > MAX_SUBSTITUTED_CHARS) {
        refuse(
          path,
          `variables expand the file past ${MAX_SUBSTITUTED_CHARS} characters (a long var used many times?)`,
        );
      }
      return value;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const itemPath = [...path, index];
        source.record(itemPath, positionOf(item as Node) ?? source.valueAt(path));
        return walk(item as Node, itemPath, depth + 1);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const firstLine = new Map<string, number>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = keyText(keyNode);
        const keyPos = positionOf(keyNode) ?? source.valueAt(path);
        const fieldPath = [...path, key];
        const seen = firstLine.get(key);
        if (seen !== undefined) {
          issues.push(issue(keyPos, fieldPath, `duplicate key '${excerpt(key)}' (first at line ${seen})`));
          continue;
        }
        firstLine.set(key, keyPos.line);
        source.record(fieldPath, positionOf(pair.value as Node | null) ?? keyPos, keyPos);
        // The top-level vars: were walked first (below); walking them again would count twice.
        const value =
          path.length === 0 && pair.value === varsNode
            ? declared
            : walk(pair.value as Node | null, fieldPath, depth + 1);
        // defineProperty: a key named __proto__ must stay a plain field.
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return null;
  };

  // Vars first: substitution elsewhere needs them. Walked like the rest (budgets, aliases).
  const varsNode = root.get('vars', true);
  source.record([], at((root as ParsedNode).range[0]));
  if (isMap(varsNode) && varsNode.range) source.record(['vars'], at(varsNode.range[0]));
  const declared = isMap(varsNode) ? asRecord(walk(varsNode, ['vars'], 1)) : {};
  vars = applyVarOverrides(file, declared, overrides);
  declaredNames = Object.keys(declared);

  function positionOf(node: Node | null | undefined): Position | undefined {
    // An empty value (`key:`) is a null scalar whose range sits at the end of the line; the
    // key is the better place to point at, which callers fall back to.
    if (!node?.range || (isScalar(node) && node.value === null && node.source === '')) return undefined;
    return at(node.range[0]);
  }

  const value = walk(root, [], 0) as Record<string, unknown>;
  if (Object.hasOwn(value, 'vars') && isMap(varsNode)) value.vars = vars;
  return { value, source, vars, issues };
}

const MAX_SYNTAX_ERRORS = 5;

/**
 * After one syntax error the parser loses its footing and reports nearly every later token as
 * unexpected; those echoes bury the real cause. Keep the first error, later ones of other
 * kinds, one per line.
 */
function syntaxErrors(errors: readonly YAMLError[]): YAMLError[] {
  const lines = new Set<number>();
  const kept: YAMLError[] = [];
  for (const err of errors) {
    const line = err.linePos?.[0]?.line ?? err.pos[0];
    if (kept.length > 0 && (err.code === 'UNEXPECTED_TOKEN' || lines.has(line))) continue;
    lines.add(line);
    kept.push(err);
    if (kept.length === MAX_SYNTAX_ERRORS) break;
  }
  return kept;
}

const CLOSERS: Record<string, { open: string; message: string }> = {
  ']': { open: '[', message: "this '[' is never closed; end the list with ']'" },
  '}': { open: '{', message: "this '{' is never closed; end the mapping with '}'" },
};

/**
 * `yaml` reports an unclosed `[`, `{` or quote where it gave up, often the next key's line;
 * the author needs the line where it was opened.
 */
function unclosedOpener(text: string, err: YAMLError): { offset: number; message: string } | undefined {
  const quote = /^Missing closing (["'])quote/.exec(err.message);
  if (quote) {
    const offset = text.lastIndexOf(quote[1]!, err.pos[0] - 1);
    return offset >= 0 ? { offset, message: 'this quote is never closed' } : undefined;
  }
  const flow = /^Flow (?:sequence|map) .* end with an? ([\]}])/.exec(err.message);
  const closer = flow ? CLOSERS[flow[1]!] : undefined;
  if (!flow || !closer) return undefined;
  let depth = 0;
  for (let i = err.pos[0] - 1; i >= 0; i--) {
    if (text[i] === flow[1]) depth++;
    else if (text[i] === closer.open && depth-- === 0) return { offset: i, message: closer.message };
  }
  return undefined;
}

function keyText(node: Node | null): string {
  if (isScalar(node)) return String(node.value);
  return node ? String(node) : '';
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The `yaml` package's message, as one line in our voice (lower case, no API advice). */
function yamlMessage(err: YAMLError): string {
  if (err.code === 'MULTIPLE_DOCS')
    return "the file holds several YAML documents ('---'); an experiment file holds one";
  const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}
