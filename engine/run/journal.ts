/**
 * `journal.jsonl`: one event per line, appended as the run goes. Every event is written with a
 * synchronous write() before `append` returns, so it survives the process dying (kill -9) right
 * after an injection. Durable events (inject, revert, abort, verdict) are also fsynced for power
 * loss — asynchronously, on libuv's thread pool, because a blocking fsync stalls the event loop
 * for milliseconds and would make the next fault late (bench/runner-jitter).
 */
import {
  closeSync,
  fchmodSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEvent, JournalEventInput } from '../core/journal-events.js';

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
  // Private: a run's journal is the record of what was done to which hosts (docs/security.md).
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'w', 0o600);
  // The mode above applies only when the file is created; a rerun into the same --out reuses it.
  fchmodSync(fd, 0o600);
  const written: JournalEvent[] = [];
  let seq = 0;
  let closed = false;
  let pendingSyncs = 0;
  let closeWhenSynced = false;
  const finishClose = () => {
    fsyncSync(fd);
    closeSync(fd);
  };
  return {
    path,
    append(event, options) {
      const stamped = { seq: seq++, t: now(), ...event } as JournalEvent;
      written.push(stamped);
      if (!closed) {
        writeSync(fd, `${JSON.stringify(stamped)}\n`);
        if (options?.durable) {
          pendingSyncs++;
          fsync(fd, () => {
            pendingSyncs--;
            if (pendingSyncs === 0 && closeWhenSynced) finishClose();
          });
        }
      }
      return stamped as never;
    },
    events: () => written,
    close() {
      if (closed) return;
      closed = true;
      // An fsync still running on the thread pool holds the fd: close after it, never under it.
      if (pendingSyncs > 0) closeWhenSynced = true;
      else finishClose();
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
