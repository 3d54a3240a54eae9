/**
 * Opening the history database: one file, many writers (parallel `squall run`s, the server).
 * WAL lets readers go on while one process writes; `busy_timeout` makes a writer wait for the
 * lock instead of failing; every write is one short IMMEDIATE transaction (write.ts), so no
 * two processes deadlock upgrading a read lock. synchronous=NORMAL: a crash of the process
 * loses nothing committed; a power loss can lose the last commits, which `history import`
 * rebuilds from the journals (the journal is the record, the database an index over them).
 *
 * The file is private (0600, its directory 0700), like the runs it points at (docs/security.md).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isSquallError, SquallError } from '../core/errors.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../core/private-files.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';

/** How long a writer waits for another's lock; writes take milliseconds, CI jobs may be many. */
const BUSY_TIMEOUT_MS = 5000;

/** An empty, migrated database that is never written to disk (a reader with no file yet). */
export const IN_MEMORY = ':memory:';

export interface HistoryStore {
  readonly path: string;
  readonly db: Database.Database;
  close(): void;
}

export interface OpenOptions {
  /** Stop migrating at this version (tests build old databases with it). */
  schemaVersion?: number;
}

/** Opens (creating if needed) and migrates the database; SQUALL_HISTORY_UNAVAILABLE when it cannot. */
export function openHistory(path: string, options: OpenOptions = {}): HistoryStore {
  let db: Database.Database | undefined;
  try {
    if (path !== IN_MEMORY && !existsSync(path)) createPrivateFile(path);
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Switching to WAL needs the file to itself for a moment: only the first opener does it.
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path, options.schemaVersion ?? SCHEMA_VERSION);
    const opened = db;
    return { path, db: opened, close: () => opened.close() };
  } catch (err) {
    db?.close();
    throw historyError(err, path, 'open');
  }
}

/**
 * An empty file is an empty database: created 0600 before SQLite opens it, so its -wal and -shm
 * files (which SQLite creates with the database's mode) are private too.
 */
function createPrivateFile(path: string): void {
  makePrivateDir(dirname(path));
  try {
    writeFileSync(path, '', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  } catch (err) {
    // Another process created it first: theirs is as good.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Any failure touching the database, as the typed error a person reads. */
export function historyError(err: unknown, path: string, doing: string): SquallError {
  if (isSquallError(err)) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ? `${e.code}: ` : '';
  return new SquallError(
    'SQUALL_HISTORY_UNAVAILABLE',
    `cannot ${doing} history database ${path}: ${code}${e.message ?? String(err)}`,
    { cause: err },
  );
}
