/**
 * Writes the run's reports from its journal. Report formats are a registry (reports/formats.ts)
 * so a new one is one file; `squall run` writes every registered format into the run directory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal } from '../engine/run/journal.js';
import { reportFormats } from './formats.js';
import { buildSummary, type RunSummary } from './summary.js';

export function writeReports(
  journalPath: string,
  outDir: string,
  options: { junitPath?: string } = {},
): { summary: RunSummary; paths: string[] } {
  const { events, defects } = readJournal(journalPath);
  const summary = buildSummary(events, defects.length);
  const paths = [journalPath];
  for (const format of reportFormats.values()) {
    const path = join(outDir, format.fileName);
    writeFileSync(path, format.render(summary, events));
    paths.push(path);
  }
  if (options.junitPath) {
    writeFileSync(options.junitPath, reportFormats.get('junit')!.render(summary, events));
    paths.push(options.junitPath);
  }
  return { summary, paths };
}
