/**
 * Writes a suite's combined reports into its output directory, beside one directory per
 * experiment: every report format that has a suite view (reports/formats, `renderSuite`).
 */
import { join } from 'node:path';
import { reportFormats } from '../../reports/formats/catalog.js';
import type { SuiteRecord, SuiteSummary } from '../../reports/suite-summary.js';
import { buildSuiteSummary } from '../../reports/suite-summary.js';
import { writePrivateFile } from '../core/private-files.js';

/** Builds the suite summary and writes the combined reports into `outDir`. */
export function writeSuiteReports(
  record: SuiteRecord,
  outDir: string,
  options: { junitPath?: string } = {},
): { summary: SuiteSummary; paths: string[] } {
  const summary = buildSuiteSummary(record);
  const runs = new Map(record.experiments.flatMap((e) => (e.summary ? [[e.name, e.summary] as const] : [])));
  const paths: string[] = [];
  for (const format of reportFormats.values()) {
    if (!format.renderSuite) continue;
    const text = format.renderSuite(summary, runs);
    const path = join(outDir, format.fileName);
    writePrivateFile(path, text);
    paths.push(path);
    if (format.name === 'junit' && options.junitPath) {
      writePrivateFile(options.junitPath, text);
      paths.push(options.junitPath);
    }
  }
  return { summary, paths };
}
