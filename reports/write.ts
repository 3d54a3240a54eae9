/**
 * Writes the run's reports from its journal. Report formats are a registry (reports/formats.ts)
 * so a new one is one file; `squall run` writes every registered format into the run directory.
 */
import { join } from 'node:path';
import { SquallError } from '../engine/core/errors.js';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { writePrivateFile } from '../engine/core/private-files.js';
import { type JournalDefect, readJournal } from '../engine/run/journal.js';
import { reportFormats } from './formats/catalog.js';
import { buildSummary, type RunSummary } from './summary.js';

export interface LoadedRun {
  events: JournalEvent[];
  defects: JournalDefect[];
  summary: RunSummary;
}

/** Reads a journal and summarises it; unreadable lines are skipped and make the run incomplete. */
export function loadRun(journalPath: string): LoadedRun {
  let read: ReturnType<typeof readJournal>;
  try {
    read = readJournal(journalPath);
  } catch (err) {
    throw new SquallError('SQUALL_USAGE', `cannot read journal '${journalPath}': ${(err as Error).message}`);
  }
  // A line can be valid JSON and still not be an event (a truncated write can leave `12`).
  const events = read.events.filter(
    (e): e is JournalEvent =>
      typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string',
  );
  const defects = [...read.defects];
  if (events.length < read.events.length) {
    defects.push({
      line: 0,
      error: `${read.events.length - events.length} line(s) are JSON but not journal events`,
    });
  }
  return { events, defects, summary: buildSummary(events, defects) };
}

export function writeReports(
  journalPath: string,
  outDir: string,
  options: { junitPath?: string; formats?: readonly string[]; linkBase?: string; loaded?: LoadedRun } = {},
): { summary: RunSummary; paths: string[]; defects: JournalDefect[] } {
  const { events, defects, summary } = options.loaded ?? loadRun(journalPath);
  const paths = [journalPath];
  const formats = options.formats
    ? options.formats.map((name) => {
        const format = reportFormats.get(name);
        if (!format) throw new SquallError('SQUALL_USAGE', reportFormats.unknownMessage(name));
        return format;
      })
    : reportFormats.values();
  for (const format of formats) {
    const path = join(outDir, format.fileName);
    writePrivateFile(path, format.render(summary, events, { linkBase: options.linkBase }));
    paths.push(path);
  }
  if (options.junitPath) {
    writePrivateFile(options.junitPath, reportFormats.get('junit')!.render(summary, events));
    paths.push(options.junitPath);
  }
  return { summary, paths, defects };
}
