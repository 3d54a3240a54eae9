/**
 * The control room's tokens file (`squall serve --tokens FILE`). One token per line:
 *
 *     # name role hash
 *     alice operator sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     wall  viewer   sha256:…
 *
 * Only the hash is stored. A token is 32 random bytes (`sq_` + base64url), so a plain SHA-256
 * of it cannot be brute-forced and needs no salt or slow hash (those protect guessable
 * passwords, which these are not). The check hashes what was presented and compares it with
 * every line's hash with `timingSafeEqual`, never stopping early, so the time taken says
 * nothing about which line or how many bytes matched.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SquallError } from '../../core/errors.js';
import { excerpt } from '../../core/escape.js';

export type Role = 'viewer' | 'operator';
export const ROLES: readonly Role[] = ['viewer', 'operator'];

export interface TokenEntry {
  name: string;
  role: Role;
  /** SHA-256 of the token. */
  hash: Buffer;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const HASH = /^sha256:([0-9a-f]{64})$/;

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function parseTokens(text: string, file: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name, role, hash, ...rest] = line.split(/\s+/);
    const where = `${file}:${i + 1}`;
    const bad = (why: string) =>
      new SquallError(
        'SQUALL_SERVE_TOKENS_INVALID',
        `${where}: ${why} (expected 'name role sha256:<64 hex>')`,
      );
    if (rest.length > 0 || hash === undefined) throw bad('expected three fields');
    if (!NAME.test(name!))
      throw bad(`name '${excerpt(name!)}' must be letters, digits, . _ @ - (at most 64)`);
    if (!ROLES.includes(role as Role)) throw bad(`role '${excerpt(role!)}' must be viewer or operator`);
    const hex = HASH.exec(hash)?.[1];
    if (!hex) throw bad('the hash must be sha256: followed by 64 lowercase hex digits');
    if (entries.some((e) => e.name === name))
      throw bad(`the name '${name}' is already used on an earlier line`);
    entries.push({ name: name!, role: role as Role, hash: Buffer.from(hex, 'hex') });
  }
  return entries;
}

export function readTokens(file: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SquallError(
      'SQUALL_SERVE_TOKENS_INVALID',
      `cannot read the tokens file '${file}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} (make one with: squall serve token add NAME --role operator --file ${file})`,
    );
  }
  return parseTokens(text, file);
}

/** The entry whose hash matches `token`; every entry is compared, in constant time each. */
export function findToken(entries: readonly TokenEntry[], token: string): TokenEntry | undefined {
  const presented = hashToken(token);
  let found: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.hash, presented) && !found) found = entry;
  }
  return found;
}

/** A fresh token, its line appended to `file` (created 0600). Returns the token: shown once, never stored. */
export function addToken(file: string, name: string, role: Role): string {
  const existing = existsSync(file) ? readTokens(file) : [];
  if (!NAME.test(name))
    throw new SquallError(
      'SQUALL_USAGE',
      `token name '${excerpt(name)}': use letters, digits, . _ @ - (at most 64 characters)`,
    );
  if (existing.some((e) => e.name === name))
    throw new SquallError('SQUALL_USAGE', `${file} already has a token named '${name}'; pick another name`);
  const token = `sq_${randomBytes(32).toString('base64url')}`;
  const line = `${name} ${role} sha256:${hashToken(token).toString('hex')}\n`;
  if (existsSync(file)) appendFileSync(file, line);
  else
    writeFileSync(
      file,
      `# squall serve tokens: name role sha256-of-token (squall serve token add)\n${line}`,
      { mode: 0o600 },
    );
  chmodSync(file, 0o600);
  return token;
}
