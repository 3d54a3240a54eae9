/**
 * The one line that says why a run stopped, from an error event's message, for the places that
 * have one line (a banner, a JUnit `message` attribute, a PR comment). Squall's messages put the
 * reason on the first line and may add context below it: a managed process that died adds its
 * last log lines (`  | ...`, agents/local/managed-processes.ts). When those hold an error line
 * (Node's `Error: Cannot find module ...`, Python's `ModuleNotFoundError: ...`, `panic: ...`),
 * that line is what a reader needs, so it is appended; the full message stays in the reports.
 */

/** A log line that states an error: `Error: ...`, `TypeError [ERR_X]: ...`, `fatal: ...`. */
const ERROR_LINE = /^(?:[\w.]*(?:Error|Exception)(?: \[[\w-]+\])?|error|fatal|panic):\s/i;
/** The first line's pointer to the log lines that follow (managed-processes.ts). */
const LOG_POINTER = /;\s*last lines of .*:$/;

export function errorCause(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  const head = first.replace(LOG_POINTER, '').trim();
  const telling = rest.map((l) => l.replace(/^\s*\|\s?/, '').trim()).find((l) => ERROR_LINE.test(l));
  return telling && !head.includes(telling) ? `${head}: ${telling}` : head;
}
