/**
 * Links in the reports, so they work where the reports are read (docs/reports.md, "Links"):
 * - with `--link-base URL` (the repository's files at the run's commit, e.g.
 *   `https://github.com/org/repo/blob/<sha>`), a runbook in the repository links to
 *   `URL/<path in the repository>`: that works in a PR comment, a CI step summary, anywhere;
 *   the full report is named, not linked (it lives in the run's artifacts, not at a URL we know);
 * - without it, a runbook links to its file on the machine that ran (`file://`), and the full
 *   report to `report.html` beside summary.md: right for a run directory read where it was made.
 * A runbook URL is linked as written. Everything comes from the journal (run.start records the
 * runbook file found) and the options, so the same journal and options give the same bytes.
 */
import { pathToFileURL } from 'node:url';
import { SquallError } from '../engine/core/errors.js';
import { hasUrlScheme } from '../engine/spec/url-scheme.js';
import type { RunSummary } from './summary.js';

export interface RenderOptions {
  /** URL under which the repository's files can be browsed at the commit that ran. */
  linkBase?: string;
}

export interface Link {
  text: string;
  /** Null when there is nothing to link to (the journal did not record the file). */
  href: string | null;
}

/** `--link-base` checked: an http(s) URL, without a trailing slash. */
export function parseLinkBase(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(value))
    throw new SquallError(
      'SQUALL_USAGE',
      `--link-base: expected an http(s) URL such as https://github.com/org/repo/blob/main, got '${value}'`,
    );
  return value.replace(/\/+$/, '');
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** The runbook as a link, or null when the experiment names none. */
export function runbookLink(s: RunSummary, options: RenderOptions = {}): Link | null {
  if (!s.runbook) return null;
  if (hasUrlScheme(s.runbook)) return { text: s.runbook, href: s.runbook };
  const file = s.runbookFile;
  if (!file) return { text: s.runbook, href: null };
  if (options.linkBase && file.repoPath)
    return { text: file.repoPath, href: `${options.linkBase}/${encodePath(file.repoPath)}` };
  return { text: file.repoPath ?? file.path, href: pathToFileURL(file.path).href };
}

/** Where summary.md points for the full report: beside it, or nowhere we know (see above). */
export function reportLink(options: RenderOptions = {}): Link {
  return options.linkBase
    ? { text: "report.html in this run's artifacts", href: null }
    : { text: 'report.html', href: 'report.html' };
}

/** A Markdown link, or the text in code style when there is no target. */
export function mdLink(link: Link): string {
  return link.href
    ? `[${link.text.replace(/([[\]])/g, '\\$1')}](${link.href.replace(/[()\s]/g, encodeURIComponent)})`
    : `\`${link.text}\``;
}
