/**
 * zod issues → positioned SpecIssues. Bad values point at the value, unknown keys at the key
 * (with a did-you-mean against the keys allowed there), missing required fields at the
 * mapping that lacks them. Used for the experiment schema and for driver/probe params alike.
 */
import type { z } from 'zod';
import { closest } from '../core/did-you-mean.js';
import type { SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import type { FieldPath, PathSegment, SourceMap } from './source-map.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

interface Context {
  schema: AnySchema;
  input: unknown;
  base: FieldPath;
  source: SourceMap;
}

/**
 * Positions `issues` from parsing `input` with `schema`. `base` is where `input` sits in the
 * file (e.g. `['faults', 0, 'params']` for a driver's params).
 */
export function specIssuesFromZod(
  issues: readonly Issue[],
  opts: { schema: AnySchema; input: unknown; source: SourceMap; base?: FieldPath },
): SpecIssue[] {
  const ctx: Context = { schema: opts.schema, input: opts.input, source: opts.source, base: opts.base ?? [] };
  return issues.flatMap((issue) => convert(issue, [], ctx));
}

function convert(issue: Issue, prefix: FieldPath, ctx: Context): SpecIssue[] {
  const rel = [...prefix, ...(issue.path as PathSegment[])];
  const full = [...ctx.base, ...rel];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = objectKeys(schemaAt(ctx.schema, rel));
      return issue.keys.map((key) => {
        const near = closest(key, allowed);
        const hint = near ? ` (did you mean '${near}'?)` : '';
        const list = allowed.length ? `; expected one of: ${allowed.join(', ')}` : '';
        return ctx.source.issue([...full, key], `unknown field '${excerpt(key)}'${hint}${list}`, 'key');
      });
    }
    case 'invalid_union':
      return convertUnion(issue, rel, ctx);
    default: {
      const parent = valueAt(ctx.input, rel.slice(0, -1));
      const last = rel.at(-1);
      if (
        issue.code === 'invalid_type' &&
        typeof last === 'string' &&
        isPlainObject(parent) &&
        !Object.hasOwn(parent, last)
      ) {
        const field = schemaAt(ctx.schema, rel);
        const description = field ? describedAs(field) : undefined;
        // Unit fields describe themselves as "a duration such as ..."; others have prose.
        const expected = description && /^an? /.test(description) ? `; expected ${description}` : '';
        const { line, col } = ctx.source.valueAt(full.slice(0, -1));
        return [
          {
            ...ctx.source.issue(full, ''),
            line,
            col,
            message: `missing required field '${last}'${expected}`,
          },
        ];
      }
      return [ctx.source.issue(full, issue.message)];
    }
  }
}

/**
 * A union fails in every branch. When one branch has fewer problems than the rest, it is
 * almost always the one the author meant, so we report its issues; otherwise we list the
 * shapes the union accepts.
 */
function convertUnion(issue: Extract<Issue, { code: 'invalid_union' }>, rel: FieldPath, ctx: Context) {
  const branches = issue.errors;
  const counts = branches.map((b) => b.length);
  const fewest = Math.min(...counts);
  const best = counts.indexOf(fewest);
  const allWrongType = branches.every(
    (b) => b.length === 1 && b[0]!.code === 'invalid_type' && !b[0]!.path.length,
  );
  if (allWrongType && branches[0]) return convert(branches[0][0]!, rel, ctx);
  if (best >= 0 && counts.filter((c) => c === fewest).length === 1) {
    return branches[best]!.flatMap((inner) => convert(inner, rel, ctx));
  }
  // A tie: a branch that failed only inside the value (a field of a mapping) had the right
  // shape; one that failed at the value itself (`false` expected, a mapping given) did not.
  const inside = branches.filter((b) => b.length > 0 && b.every((inner) => inner.path.length > 0));
  if (inside.length === 1) return inside[0]!.flatMap((inner) => convert(inner, rel, ctx));
  const union = schemaAt(ctx.schema, rel);
  const options = (union?._zod.def as { options?: AnySchema[] } | undefined)?.options ?? [];
  const shapes = options.map(shapeText).filter((s): s is string => s !== undefined);
  const message = shapes.length ? `expected one of: ${shapes.join(', ')}` : issue.message;
  return [ctx.source.issue([...ctx.base, ...rel], message)];
}

/**
 * Per-parse error map (`schema.safeParse(value, { error: friendlyZodError })`): zod's generic
 * messages in our words ("expected a list, got the number 3"). Messages a schema sets itself win.
 */
export function friendlyZodError(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${typeName(String(iss.expected))}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `expected ${oneOf(iss.values.map((v) => `'${String(v)}'`))}, got ${describeValue(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `expected at least ${iss.minimum} item(s)`;
      if (iss.origin === 'string') return `expected at least ${iss.minimum} character(s)`;
      return `expected ${iss.inclusive ? 'at least' : 'more than'} ${iss.minimum}, got ${describeValue(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'array') return `expected at most ${iss.maximum} item(s)`;
      if (iss.origin === 'string') return `expected at most ${iss.maximum} character(s)`;
      return `expected ${iss.inclusive ? 'at most' : 'less than'} ${iss.maximum}, got ${describeValue(iss.input)}`;
    case 'invalid_format':
      return `expected ${iss.format === 'url' ? 'a URL' : `a valid ${iss.format}`}, got ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
}

/** `'a'`, `'a' or 'b'`, `one of 'a', 'b', 'c'`. */
function oneOf(items: string[]): string {
  if (items.length <= 2) return items.join(' or ');
  return `one of ${items.join(', ')}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** How a value reads in a message: `'10s'`, `the number 3`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${excerpt(value)}'`;
  // YAML reads 1e400 as Infinity and .nan as NaN.
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : `${value}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/** The schema that validates the value at `path`, looking through optional/default/pipe wrappers. */
function schemaAt(schema: AnySchema | undefined, path: FieldPath): AnySchema | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    if (!current) return undefined;
    const def = current._zod.def as unknown as Record<string, unknown>;
    switch (def.type) {
      case 'object':
        current = unwrap((def.shape as Record<string, AnySchema>)[String(segment)]);
        break;
      case 'array':
        current = unwrap(def.element as AnySchema);
        break;
      case 'record':
        current = unwrap(def.valueType as AnySchema);
        break;
      case 'union': {
        // Take the first branch that knows the segment; enough for key lists and descriptions.
        const options = def.options as AnySchema[];
        current = options.map((o) => schemaAt(o, [segment])).find((s) => s !== undefined);
        break;
      }
      default:
        return undefined;
    }
  }
  return current;
}

/** The keys an object schema allows (all branches of a union of objects), sorted. */
function objectKeys(schema: AnySchema | undefined): string[] {
  const s = unwrap(schema);
  if (!s) return [];
  const def = s._zod.def as unknown as Record<string, unknown>;
  if (def.type === 'object') return Object.keys(def.shape as object).sort();
  if (def.type === 'union') return [...new Set((def.options as AnySchema[]).flatMap(objectKeys))].sort();
  return [];
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let s = schema;
  for (let i = 0; s && i < 16; i++) {
    const def = s._zod.def as unknown as Record<string, unknown>;
    if (
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(
        String(def.type),
      )
    ) {
      s = def.innerType as AnySchema;
    } else if (def.type === 'pipe') {
      s = def.in as AnySchema;
    } else {
      return s;
    }
  }
  return s;
}

function describedAs(schema: AnySchema): string | undefined {
  for (let s: AnySchema | undefined = schema; s; ) {
    const meta = (s as unknown as { description?: string }).description;
    if (meta) return meta;
    const def = s._zod.def as unknown as Record<string, unknown>;
    s = (def.in ?? def.innerType) as AnySchema | undefined;
  }
  return undefined;
}

function shapeText(option: AnySchema): string | undefined {
  const s = unwrap(option);
  const def = s?._zod.def as unknown as Record<string, unknown> | undefined;
  if (def?.type !== 'object') return undefined;
  const fields = Object.entries(def.shape as Record<string, AnySchema>).map(
    ([key, field]) => `${key}${field._zod.optin === 'optional' ? '?' : ''}`,
  );
  return `{ ${fields.join(', ')} }`;
}

function valueAt(input: unknown, path: FieldPath): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
