/** The ledger file format: one fsynced file per fault, torn writes dropped, ids kept safe. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from './ledger.js';

describe('fault ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entry = (faultId: string) => ({
    faultId,
    kind: 'nft.partition',
    target: { host: 'edge-1' },
    params: { peers: ['10.0.0.2'] },
    durationMs: 1000,
    recordedAtMs: 1,
    sessionId: 's1',
  });

  it('writes one file per fault, lists them back, and removes them idempotently', () => {
    const ledger = openLedger(join(dir, 'l'));
    ledger.write(entry('a-1'));
    ledger.write(entry('b-2'));
    expect(readdirSync(join(dir, 'l')).sort()).toEqual(['a-1.json', 'b-2.json']);
    expect(openLedger(join(dir, 'l')).entries()).toEqual([entry('a-1'), entry('b-2')]);
    ledger.remove('a-1');
    ledger.remove('a-1');
    expect(ledger.entries().map((e) => e.faultId)).toEqual(['b-2']);
  });

  it('drops a write that never completed (the fault was not applied yet)', () => {
    const ledger = openLedger(dir);
    writeFileSync(join(dir, 'c-3.json.tmp'), '{"faultId":');
    expect(ledger.entries()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses fault ids that are not safe file and table names', () => {
    const ledger = openLedger(dir);
    expect(() => ledger.write(entry('../../etc/passwd'))).toThrow(/fault id/);
    expect(() => ledger.write(entry('x; rm -rf /'))).toThrow(/fault id/);
  });
});
