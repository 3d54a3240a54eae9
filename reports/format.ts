/**
 * A report format: one file per format under formats/, listed by the generated catalog
 * (formats/catalog.ts). A run's reports and a suite's combined report go through the same
 * registry: a format that has a suite view gives `renderSuite` too.
 */
import type { JournalEvent } from '../engine/core/journal-events.js';
import type { RenderOptions } from './links.js';
import type { SuiteSummary } from './suite-summary.js';
import type { RunSummary } from './summary.js';

export interface ReportFormat {
  /** The name `squall report --format` takes. */
  readonly name: string;
  readonly fileName: string;
  render(summary: RunSummary, events: readonly JournalEvent[], options?: RenderOptions): string;
  /** The suite's combined report in this format; `runs` are the experiments' own summaries. */
  renderSuite?(suite: SuiteSummary, runs: ReadonlyMap<string, RunSummary>): string;
}

/** Types a format for its file; formats/catalog.ts (generated) lists it. */
export function defineReportFormat(format: ReportFormat): ReportFormat {
  return format;
}
