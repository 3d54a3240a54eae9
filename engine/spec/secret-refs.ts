/**
 * Secret references: a string value may name a secret instead of holding it.
 *
 *   ${env:NAME}    the environment variable NAME of the `squall run` process
 *   ${file:PATH}   the contents of the file PATH (relative to the experiment file's folder),
 *                  less one trailing newline; at most 64 KiB
 *   $${env:NAME}   a literal `${env:NAME}` (the `$$` escape, as for `${var}`)
 *
 * They are checked for syntax when the file loads (`validate`, `plan`) and resolved only when
 * it runs, right before the environment starts, so the loaded experiment, the plan and the
 * journal hold the reference and never the secret (engine/run/redact.ts scrubs what a process
 * or an error might echo). They go anywhere a free-form string does (env values, headers,
 * passwords, broker URLs, argv); a field with a fixed format (a URL probe's `url`, a duration)
 * is checked before resolution and rejects them.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { SpecError, type SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import { type FieldPath, noSourceMap, type SourceMap } from './source-map.js';

// `${scheme:rest}`, optionally escaped with a leading `$`. Schemes are lower-case words, so
// `${name}` (a var) never matches: var names cannot hold a colon.
const REF = /(\$?)\$\{([a-z][a-z0-9]*):([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The largest secret file read. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** True when `text` holds at least one (unescaped) secret reference. */
export function hasSecretRef(text: string): boolean {
  for (const m of text.matchAll(REF)) if (!m[1]) return true;
  return false;
}

/** Every string in a parsed value, with its field path. */
export function mapStrings(
  value: unknown,
  fn: (text: string, path: FieldPath) => string,
  path: FieldPath = [],
): unknown {
  if (typeof value === 'string') return fn(value, path);
  if (Array.isArray(value)) return value.map((item, i) => mapStrings(item, fn, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a key named __proto__ stays a plain field.
      Object.defineProperty(out, key, {
        value: mapStrings(item, fn, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

function problem(scheme: string, rest: string): string | undefined {
  if (scheme === 'env') {
    return ENV_NAME.test(rest)
      ? undefined
      : `'\${env:${excerpt(rest)}}': expected an environment variable name (letters, digits, _)`;
  }
  if (scheme === 'file')
    return rest.trim() ? undefined : `'\${file:}': expected a path, e.g. \${file:secrets/token}`;
  return `unknown secret reference '\${${excerpt(scheme)}:…}'; expected \${env:NAME} or \${file:PATH} (write $\${ for a literal \${)`;
}

/** Malformed references in a loaded file's values (validate time: syntax only, nothing is read). */
export function secretRefIssues(value: unknown, source: SourceMap): SpecIssue[] {
  const issues: SpecIssue[] = [];
  mapStrings(value, (text, path) => {
    if (!text.includes('${')) return text;
    for (const m of text.matchAll(REF)) {
      const message = m[1] ? undefined : problem(m[2]!, m[3]!);
      if (message) issues.push(source.issue(path, message));
    }
    return text;
  });
  return issues;
}

export interface ResolveOptions {
  /** The environment `${env:...}` reads (the CLI passes its own). */
  env: Readonly<Record<string, string | undefined>>;
  /** Where `${file:...}` paths are relative to: the experiment file's folder. */
  baseDir: string;
  /** Positions for the issues; default: every issue at 1:1. */
  source?: SourceMap;
}

/**
 * A copy of `value` with every reference replaced by its secret, and the secrets themselves
 * (for scrubbing). SpecError SQUALL_SECRET_UNRESOLVED, one issue per reference, when a
 * variable is unset or a file cannot be read.
 */
export function resolveSecretRefs<T>(value: T, options: ResolveOptions): { value: T; secrets: string[] } {
  const source = options.source ?? noSourceMap();
  const secrets: string[] = [];
  const issues: SpecIssue[] = [];
  const resolved = mapStrings(value, (text, path) => {
    if (!text.includes('${')) return text;
    return text.replace(REF, (ref, escaped: string, scheme: string, rest: string) => {
      if (escaped) return ref.slice(1);
      const secret = readSecret(scheme, rest, options);
      if (typeof secret === 'string') {
        secrets.push(secret);
        return secret;
      }
      issues.push(source.issue(path, secret.problem));
      return ref;
    });
  }) as T;
  if (issues.length > 0) throw new SpecError(issues, 'SQUALL_SECRET_UNRESOLVED');
  return { value: resolved, secrets };
}

function readSecret(scheme: string, rest: string, options: ResolveOptions): string | { problem: string } {
  const malformed = problem(scheme, rest);
  if (malformed) return { problem: malformed };
  if (scheme === 'env') {
    const found = options.env[rest];
    return found === undefined ? { problem: `\${env:${rest}} is not set in squall's environment` } : found;
  }
  const path = isAbsolute(rest) ? rest : resolve(options.baseDir, rest);
  try {
    if (statSync(path).size > MAX_SECRET_FILE_BYTES) {
      return { problem: `\${file:${excerpt(rest)}} is larger than 64 KiB; a secret file holds one secret` };
    }
    // One trailing newline is how editors and `echo` end a file, not part of the secret.
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    return { problem: `cannot read \${file:${excerpt(rest)}}: ${reason}` };
  }
}
