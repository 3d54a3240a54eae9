import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, readJournal } from './journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-journal-'));
  dirs.push(dir);
  return join(dir, 'journal.jsonl');
}

describe('journal', () => {
  it('stamps seq and t, writes each event before append returns, and reads back what it wrote', () => {
    const path = tempPath();
    let clock = 1000;
    const journal = openJournal(path, () => clock++);
    journal.append({ type: 'phase', phase: 'baseline' });
    // Written synchronously: visible on disk before close, so a kill -9 here keeps it.
    expect(readFileSync(path, 'utf8')).toContain('"phase":"baseline"');
    journal.append({ type: 'abort', reason: 'signal', detail: 'SIGINT' }, { durable: true });
    journal.close();
    const { events, defects } = readJournal(path);
    expect(defects).toEqual([]);
    expect(events.map((e) => [e.seq, e.t, e.type])).toEqual([
      [0, 1000, 'phase'],
      [1, 1001, 'abort'],
    ]);
  });

  it('keeps every readable event of a truncated journal and reports the bad lines', () => {
    const path = tempPath();
    const journal = openJournal(path);
    journal.append({ type: 'phase', phase: 'baseline' });
    journal.close();
    appendFileSync(path, '{"seq":1,"t":5,"type":"pha');
    const { events, defects } = readJournal(path);
    expect(events).toHaveLength(1);
    expect(defects).toEqual([{ line: 2, error: expect.any(String) }]);
  });
});
