/**
 * Keeping secrets out of the journal (and so out of every report: `squall report` rebuilds
 * them from the journal alone) and off the terminal:
 *
 * - The spec journaled in `run.start` is the experiment as loaded, with secret references
 *   (`${env:NAME}`, engine/spec/secret-refs.ts) unresolved, and the value of every field known
 *   to hold a secret replaced by `<redacted>` when it is written literally: env values of
 *   processes and command probes, authorization-like headers, and any key that names a
 *   password, token, secret, API key or credential; a URL's password (`mqtt://u:p@host`) too.
 * - Every string of every later event (logs, errors, where a fault lives) is scrubbed of the
 *   secrets themselves: the resolved references and the literal secret values above, so a
 *   process's argv in a log line or a broker's error quoting a password are cut out too.
 *   Values shorter than 4 characters are not scrubbed from free text (they would cut every
 *   occurrence of `1` or `yes`); they are still redacted in their own fields.
 */
import type { SquallError } from '../core/errors.js';
import type { Experiment } from '../spec/schema.js';
import { hasSecretRef, mapStrings, resolveSecretRefs } from '../spec/secret-refs.js';
import type { FieldPath, SourceMap } from '../spec/source-map.js';

export const REDACTED = '<redacted>';
const MIN_SCRUB_CHARS = 4;

const SECRET_KEY = /pass(word|wd|phrase)|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential/i;
const SECRET_HEADER = /authorization|cookie|token|secret|api[-_]?key|auth|session/i;
// scheme://user:password@host: the password is group 2.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(@)/gi;

/** True for a field whose value is a secret by what it is: see the module comment. */
export function isSecretField(path: FieldPath): boolean {
  const key = path.at(-1);
  const parent = path.at(-2);
  if (typeof key !== 'string') return false;
  if (parent === 'env') return true;
  if (parent === 'headers') return SECRET_HEADER.test(key);
  return SECRET_KEY.test(key);
}

/** The experiment as the journal keeps it: references as written, literal secrets redacted. */
export function redactSpec(experiment: Experiment): unknown {
  return mapStrings(experiment, (text, path) =>
    isSecretField(path) && !hasSecretRef(text) ? REDACTED : text.replace(URL_PASSWORD, `$1${REDACTED}$3`),
  );
}

/** The literal secrets written in the experiment (secret fields without a reference, URL passwords). */
export function literalSecrets(experiment: Experiment): string[] {
  const found: string[] = [];
  mapStrings(experiment, (text, path) => {
    if (isSecretField(path) && !hasSecretRef(text)) found.push(text);
    for (const m of text.matchAll(URL_PASSWORD)) found.push(m[2]!);
    return text;
  });
  return found;
}

/** Replaces each known secret in every string of a value; a no-op until one is known. */
export class Scrubber {
  #secrets: string[] = [];

  add(secrets: readonly string[]): void {
    const all = new Set([...this.#secrets, ...secrets.filter((s) => s.length >= MIN_SCRUB_CHARS)]);
    // Longest first, so a secret containing another is cut whole.
    this.#secrets = [...all].sort((a, b) => b.length - a.length);
  }

  text(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  value<T>(value: T): T {
    return this.#secrets.length === 0 ? value : (mapStrings(value, (s) => this.text(s)) as T);
  }

  /** The same error with its message scrubbed (messages can quote argv, URLs, replies). */
  error<E extends SquallError | undefined>(err: E): E {
    if (!err || this.#secrets.length === 0) return err;
    const message = this.text(err.message);
    if (message === err.message) return err;
    // Same class and fields (code, issues, leftovers), each scrubbed; the message replaced.
    const scrubbed = Object.create(Object.getPrototypeOf(err) as object) as SquallError;
    Object.assign(scrubbed, this.value({ ...err }));
    Object.defineProperty(scrubbed, 'message', { value: message, enumerable: false, writable: true });
    return scrubbed as E;
  }
}

/** The secrets of one run: what the journal may show, and the experiment the run uses. */
export interface RunSecrets {
  /** For `run.start`: references kept, literal secrets redacted. */
  readonly journalSpec: unknown;
  readonly scrubber: Scrubber;
  /** The experiment with every reference resolved (SpecError SQUALL_SECRET_UNRESOLVED). */
  resolve(): Experiment;
}

export function prepareRunSecrets(
  experiment: Experiment,
  options: { env: Readonly<Record<string, string | undefined>>; baseDir: string; source?: SourceMap },
): RunSecrets {
  const scrubber = new Scrubber();
  scrubber.add(literalSecrets(experiment));
  return {
    journalSpec: redactSpec(experiment),
    scrubber,
    resolve() {
      const { value, secrets } = resolveSecretRefs(experiment, options);
      scrubber.add(secrets);
      return value;
    },
  };
}
