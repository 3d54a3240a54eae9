import type { JournalEvent } from '../engine/core/journal-events.js';
import { Registry } from '../engine/core/registry.js';
import { renderHtml } from './html/page.js';
import { renderJunit } from './junit.js';
import type { RenderOptions } from './links.js';
import { renderMarkdown } from './markdown.js';
import { renderPostmortem } from './postmortem.js';
import type { RunSummary } from './summary.js';

/** A report format: one file per run, rendered from the summary and the raw journal. */
export interface ReportFormat {
  /** The name `squall report --format` takes. */
  readonly name: string;
  readonly fileName: string;
  render(summary: RunSummary, events: readonly JournalEvent[], options?: RenderOptions): string;
}

export const reportFormats = new Registry<ReportFormat>('report format');

reportFormats.register({
  name: 'json',
  fileName: 'summary.json',
  render: (summary) => `${JSON.stringify(summary, null, 2)}\n`,
});
reportFormats.register({ name: 'junit', fileName: 'junit.xml', render: (summary) => renderJunit(summary) });
reportFormats.register({
  name: 'md',
  fileName: 'summary.md',
  render: (summary, _events, options) => renderMarkdown(summary, options),
});
reportFormats.register({ name: 'html', fileName: 'report.html', render: renderHtml });
reportFormats.register({
  name: 'postmortem',
  fileName: 'postmortem.md',
  render: (summary, _events, options) => renderPostmortem(summary, options),
});
