import { describe, expect, it } from 'vitest';
import { formatSpecIssue } from './errors.js';
import { escapeControl, escapeControlLines, excerpt, shellQuote } from './escape.js';

describe('escapeControl', () => {
  it('shows terminal controls as escapes and leaves other text alone', () => {
    expect(escapeControl('a\u001b[31mred\u0007\u0000')).toBe('a\\e[31mred\\x07\\x00');
    expect(escapeControl('tab\tnl\ncr\r')).toBe('tab\\tnl\\ncr\\r');
    // C1 CSI, DEL, a bidi override (Trojan Source) and a line separator.
    expect(escapeControl('\u009b2J\u007f\u202eabc\u2028')).toBe('\\x9b2J\\x7f\\u202eabc\\u2028');
    expect(escapeControl('plain text, ünïcødé, 99.9% and \\e')).toBe('plain text, ünïcødé, 99.9% and \\e');
  });

  it('escapes each line of a message of several and keeps the breaks', () => {
    expect(escapeControlLines('one\u001b\ntwo\u0007')).toBe('one\\e\ntwo\\x07');
  });

  it('excerpt cuts long values and says how long they were', () => {
    expect(excerpt('short')).toBe('short');
    expect(excerpt('x'.repeat(100), 10)).toBe('xxxxxxxxxx… (100 characters)');
    expect(excerpt(`\u001b${'y'.repeat(20)}`, 4)).toBe('\\eyyy… (21 characters)');
  });

  it('a spec issue line never carries a raw control character', () => {
    const line = formatSpecIssue({
      file: 'f\u001b.yaml',
      line: 1,
      col: 2,
      path: 'metadata.name',
      message: "got 'a\u001b]0;pwned\u0007'\nforged line",
    });
    expect(line).toBe("f\\e.yaml:1:2 metadata.name: got 'a\\e]0;pwned\\x07'\\nforged line");
  });
});

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest so a shell reads the same argv back', () => {
    expect(shellQuote(['rm', '-f', '--', '/tmp/squall-fill.bin'])).toBe('rm -f -- /tmp/squall-fill.bin');
    expect(shellQuote(['sh', '-c', "echo 'hi' $HOME"])).toBe(`sh -c 'echo '\\''hi'\\'' $HOME'`);
    expect(shellQuote(['a b', ''])).toBe("'a b' ''");
  });
});
