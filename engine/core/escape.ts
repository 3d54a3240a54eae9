/**
 * Text a user wrote (a YAML value, a key, a `--var`, a file name) is echoed in messages. Raw,
 * an ESC or BEL in it is acted on by the terminal (colours, cursor moves, a title change, a
 * bell), a newline forges a message line, and a bidi override reorders what is shown (Trojan
 * Source, CVE-2021-42574). Every message that echoes user text goes through `escapeControl`,
 * and long values are cut to a readable excerpt by `excerpt`.
 */

// C0 controls and DEL, the C1 controls (U+0080–U+009F: U+009B is a CSI on some terminals),
// bidi embeddings, overrides and isolates, and the line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\u001b': '\\e' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `a\x1b[31mb` → `a\e[31mb`: every control character as a visible escape; other text unchanged. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/** As `escapeControl` for text of several lines: each line escaped, the line breaks kept. */
export function escapeControlLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}

/** How many characters of a user value a message shows before cutting it. */
const EXCERPT_CHARS = 80;

/**
 * A user value as a message shows it: control characters escaped, and past `max` characters
 * cut with its length, so a 1 MB key is a line and not a megabyte: `aaaa… (1048576 characters)`.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const escaped = escapeControl(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${escaped}… (${text.length} characters)` : escaped;
}

/** An argv as a shell command line for humans to copy (quoted, never executed by Squall). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
