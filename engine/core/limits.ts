/**
 * The bounds on what a spec file (experiment or suite) and a `--var` may hold, in one place.
 * Each is far above what a real experiment needs (the largest in experiments/ is 5 KB, under 1,000
 * YAML tokens, 235 values, 4 levels deep) and far below what hurts: every hostile input in
 * fixtures/hostile is refused in well under a second and 200 MB (hostile.test.ts measures it).
 * docs/security.md lists them for users.
 */

/** Default cap on a spec file's size; `--max-file-size` raises it. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * YAML tokens (scalars, indicators, whitespace runs) read before giving up. The `yaml` package
 * builds ~0.3 KB of nodes per token: a 1 MiB file of `[0,0,0,...]` is 1.5 M tokens and took
 * 2.7 s and 546 MB to parse; 100,000 tokens still took 110–190 ms, 20,000 take ~25 ms.
 */
export const MAX_YAML_TOKENS = 20_000;

/** Nested mappings and lists; the parser and our walk recurse, so this also bounds the stack. */
export const MAX_NESTING = 64;

/**
 * Values (mappings, lists, scalars) after aliases are expanded. An alias repeats its anchor's
 * whole subtree, so nine lines of anchors can stand for a billion values ("billion laughs").
 */
export const MAX_EXPANDED_VALUES = 10_000;

/** Characters `${var}` substitution may produce in one file (a long var used many times). */
export const MAX_SUBSTITUTED_CHARS = 1024 * 1024;

/** Characters of one `--var` value (or one suite-given var). */
export const MAX_VAR_CHARS = 64 * 1024;

/**
 * The longest duration any field takes (a phase, a fault, an interval): 7 days. Node's timers
 * hold at most 2^31−1 ms (~24.8 days) and fire at once (every 1 ms, spinning) beyond that;
 * a run's four phases at 7 days each stay under it per phase, and `sleepUntil` re-arms.
 */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;

/** Node's setTimeout/setInterval bound; a longer delay is taken as 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `1048576` → `1 MiB`; other sizes in bytes. */
export function formatByteLimit(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
