/** FileTail on a real file written in pieces, as k6 writes its JSON output through a 4 KB buffer. */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTail } from './file-tail.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-tail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileTail', () => {
  it('waits for the file, then hands over complete lines as they are written, split anywhere', async () => {
    const path = join(dir, 'out.json');
    const lines: string[] = [];
    const tail = new FileTail(path, (l) => lines.push(l));
    expect(await tail.read()).toBe(0);
    // "é" is two bytes in UTF-8; the first write ends between them.
    const text = Buffer.from('{"a":1}\n{"b":"é"}\n{"c":3}\n');
    const cut = text.indexOf(Buffer.from('é')) + 1;
    appendFileSync(path, text.subarray(0, cut));
    await tail.read();
    expect(lines).toEqual(['{"a":1}']);
    appendFileSync(path, text.subarray(cut, cut + 4));
    await tail.read();
    expect(lines).toEqual(['{"a":1}', '{"b":"é"}']);
    appendFileSync(path, text.subarray(cut + 4));
    expect(await tail.read()).toBe(text.length - cut - 4);
    expect(lines).toEqual(['{"a":1}', '{"b":"é"}', '{"c":3}']);
    expect(tail.position).toBe(text.length);
    await tail.close();
  });

  it('reads a file larger than its chunk in one call', async () => {
    const path = join(dir, 'big.json');
    const line = `${'x'.repeat(999)}\n`;
    appendFileSync(path, line.repeat(200));
    let count = 0;
    const tail = new FileTail(path, (l) => {
      if (l.length === 999) count++;
    });
    expect(await tail.read()).toBe(200_000);
    expect(count).toBe(200);
    await tail.close();
  });

  it('skips over-long lines without keeping them, and goes on after them', async () => {
    const path = join(dir, 'long.json');
    const lines: string[] = [];
    const tail = new FileTail(path, (l) => lines.push(l), { maxLineBytes: 10 });
    appendFileSync(path, 'short\n0123456789abc');
    await tail.read();
    appendFileSync(path, 'def\nnext\n0123456789012\n');
    await tail.read();
    expect(lines).toEqual(['short', 'next']);
    expect(tail.oversized).toBe(2);
    await tail.close();
  });

  it('hands over a last line without its newline when closed', async () => {
    const path = join(dir, 'cut.json');
    const lines: string[] = [];
    const tail = new FileTail(path, (l) => lines.push(l));
    appendFileSync(path, '{"a":1}\n{"b":');
    await tail.read();
    expect(lines).toEqual(['{"a":1}']);
    await tail.close();
    expect(lines).toEqual(['{"a":1}', '{"b":']);
  });
});
