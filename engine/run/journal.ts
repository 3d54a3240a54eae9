/**
 * `journal.jsonl`: one event per line, appended as the run goes. Inject and revert events are
 * fsynced before the call returns, so a crash right after an injection still leaves a record
 * of what may be active.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEvent, JournalEventInput } from './journal-events.js';

export interface Journal {
  readonly path: string;
  /** Appends an event; `durable` fsyncs it (inject/revert/abort/verdict). Returns the stamped event. */
  append<E extends JournalEventInput>(
    event: E,
    options?: { durable?: boolean },
  ): E & { seq: number; t: number };
  /** Every event appended so far, in order (the runner scores from memory, reports from disk). */
  events(): readonly JournalEvent[];
  close(): void;
}

export function openJournal(path: string, now: () => number = Date.now): Journal {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  const written: JournalEvent[] = [];
  let seq = 0;
  let closed = false;
  return {
    path,
    append(event, options) {
      const stamped = { seq: seq++, t: now(), ...event } as JournalEvent;
      written.push(stamped);
      if (!closed) {
        writeSync(fd, `${JSON.stringify(stamped)}\n`);
        if (options?.durable) fsyncSync(fd);
      }
      return stamped as never;
    },
    events: () => written,
    close() {
      if (closed) return;
      closed = true;
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/** A journal line that is not valid JSON, with its line number. */
export interface JournalDefect {
  line: number;
  error: string;
}

/** Reads a journal, keeping every parsable event and reporting the lines that are not. */
export function readJournal(path: string): { events: JournalEvent[]; defects: JournalDefect[] } {
  const events: JournalEvent[] = [];
  const defects: JournalDefect[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    try {
      events.push(JSON.parse(text) as JournalEvent);
    } catch (err) {
      defects.push({ line: i + 1, error: (err as Error).message });
    }
  });
  return { events, defects };
}
