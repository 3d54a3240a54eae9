import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSpecIssue, SpecError } from '../core/errors.js';
import { decodeUtf8, readSpecFile } from './read-spec.js';

const lineOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map(formatSpecIssue).join('\n');
    throw err;
  }
  return 'no error';
};

describe('decodeUtf8', () => {
  it('decodes UTF-8 and drops a leading byte order mark', () => {
    expect(decodeUtf8(Buffer.from('\ufeffa: café\n'), 'f')).toBe('a: café\n');
  });

  it('positions the first invalid byte, a broken sequence at its lead byte', () => {
    const at = (bytes: number[], prefix = 'a: 1\nb: x') =>
      lineOf(() => decodeUtf8(Buffer.concat([Buffer.from(prefix), Buffer.from(bytes)]), 'f.yaml'));
    expect(at([0xff])).toBe(
      'f.yaml:2:5 byte 0xff is not UTF-8; spec files are UTF-8 text (re-save it as UTF-8)',
    );
    // e2 82 then ASCII: the euro sign lost its last byte; the sequence starts at the e2.
    expect(at([0xe2, 0x82, 0x41])).toMatch(/^f\.yaml:2:5 byte 0xe2 /);
    // é (c3 a9) is complete; the stray continuation byte after it is the culprit.
    expect(at([0xc3, 0xa9, 0x80])).toMatch(/^f\.yaml:2:6 byte 0x80 /);
    // Cut off by the end of the file.
    expect(at([0xf0, 0x9f, 0x98])).toMatch(/^f\.yaml:2:5 byte 0xf0 /);
    // Columns count characters, not bytes.
    expect(at([0xff], 'a: é€\n  ö')).toMatch(/^f\.yaml:2:4 /);
  });
});

describe('readSpecFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squall-read-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file at the cap and refuses one byte more, reading no further', async () => {
    const file = join(dir, 'cap.yaml');
    writeFileSync(file, 'a'.repeat(1024));
    expect(await readSpecFile(file, 'cap.yaml', 'experiment', { maxBytes: 1024 })).toHaveLength(1024);
    writeFileSync(file, 'a'.repeat(1025));
    const err = await readSpecFile(file, 'cap.yaml', 'experiment', { maxBytes: 1024 }).catch((e) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).code).toBe('SQUALL_SPEC_INVALID');
    expect(formatSpecIssue((err as SpecError).issues[0]!)).toMatch(
      /^cap\.yaml:1:1 the experiment file is larger than 1 KiB; .* --max-file-size/,
    );
  });

  it('a directory or a missing file is unreadable, at 1:1', async () => {
    mkdirSync(join(dir, 'sub'));
    for (const [path, reason] of [
      [join(dir, 'sub'), 'it is a directory'],
      [join(dir, 'none.yaml'), 'no such file'],
    ] as const) {
      const err = (await readSpecFile(path, 'x.yaml', 'suite').catch((e) => e)) as SpecError;
      expect(err.code).toBe('SQUALL_SPEC_UNREADABLE');
      expect(formatSpecIssue(err.issues[0]!)).toBe(`x.yaml:1:1 cannot read the suite file: ${reason}`);
    }
  });
});
