import { Registry } from '../engine/registry.js';
import type { JournalEvent } from '../engine/run/journal-events.js';
import { renderJunit } from './junit.js';
import type { RunSummary } from './summary.js';

/** A report format: one file per run, rendered from the summary and the raw journal. */
export interface ReportFormat {
  readonly name: string;
  readonly fileName: string;
  render(summary: RunSummary, events: readonly JournalEvent[]): string;
}

export const reportFormats = new Registry<ReportFormat>('report format');

reportFormats.register({
  name: 'json',
  fileName: 'summary.json',
  render: (summary) => `${JSON.stringify(summary, null, 2)}\n`,
});
reportFormats.register({ name: 'junit', fileName: 'junit.xml', render: (summary) => renderJunit(summary) });
