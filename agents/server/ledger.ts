/**
 * The agent's fault ledger: each fault is written to its own file (and fsynced, with its
 * directory) *before* it is applied, and removed after it is reverted. A restarted agent reads
 * what is left and reverts it (`recover` in the driver) before it serves anyone, so a `kill -9`
 * of the agent never leaves a partition or a stopped process behind.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { FaultTarget } from '../../engine/core/faults.js';

/** What the ledger keeps of one fault: enough for its driver to undo it without the agent's memory. */
export interface LedgerEntry {
  faultId: string;
  kind: string;
  target: FaultTarget;
  params: unknown;
  durationMs: number;
  /** Epoch ms when the agent wrote the entry (just before applying the fault). */
  recordedAtMs: number;
  sessionId: string;
  /** What the driver recorded before the fault took effect (`ctx.record`), e.g. a pid and its start time. */
  state?: Record<string, unknown>;
}

/** Fault ids become file names and nft table names: keep them to a safe alphabet. */
export const FAULT_ID = /^[A-Za-z0-9_-]{1,80}$/;

export interface Ledger {
  readonly dir: string;
  write(entry: LedgerEntry): void;
  remove(faultId: string): void;
  entries(): LedgerEntry[];
}

export function openLedger(dir: string): Ledger {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fileOf = (faultId: string) => {
    if (!FAULT_ID.test(faultId)) throw new Error(`fault id '${faultId}' is not [A-Za-z0-9_-]{1,80}`);
    return join(dir, `${faultId}.json`);
  };
  const syncDir = () => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  return {
    dir,
    write(entry) {
      const file = fileOf(entry.faultId);
      const tmp = `${file}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      syncDir();
    },
    remove(faultId) {
      try {
        unlinkSync(fileOf(faultId));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return;
      }
      syncDir();
    },
    entries() {
      const out: LedgerEntry[] = [];
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (name.endsWith('.tmp')) {
          // Written but never renamed: the fault was not applied yet. Drop it.
          unlinkSync(path);
          continue;
        }
        if (!name.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(readFileSync(path, 'utf8')) as LedgerEntry);
        } catch {
          // A torn write cannot happen (rename is atomic); an unreadable file is left for a human.
        }
      }
      return out;
    },
  };
}
