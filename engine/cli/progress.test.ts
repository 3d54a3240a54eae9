import { describe, expect, it } from 'vitest';
import { formatProgressLine, ProgressDisplay } from './progress.js';

const progress = (elapsedMs: number) => ({
  phase: 'fault' as const,
  elapsedMs,
  totalMs: 90_000,
  activeFaults: ['kill-broker'],
  slis: [
    { name: 'delivery', text: '99.2%', ok: false },
    { name: 'p99', text: '120ms', ok: true },
  ],
});

describe('progress display', () => {
  it('formats phase, elapsed/total, active faults and SLIs, marking the failing ones', () => {
    expect(formatProgressLine(progress(65_000))).toBe(
      '[fault] 1:05/1:30 faults: kill-broker | !delivery=99.2% p99=120ms',
    );
  });

  it('rewrites one line on a TTY and keeps event lines above it', () => {
    let out = '';
    const display = new ProgressDisplay({ write: (s: string) => (out += s), isTTY: true, columns: 200 });
    display.progress(progress(1000));
    display.message('+ injected process.kill');
    display.progress(progress(2000));
    display.done();
    expect(out).toBe(
      `\r\x1b[2K${formatProgressLine(progress(1000))}\r\x1b[2K+ injected process.kill\n\r\x1b[2K${formatProgressLine(progress(2000))}\r\x1b[2K`,
    );
  });

  it('prints plain lines at most every few seconds when not a TTY (CI logs)', () => {
    const lines: string[] = [];
    const display = new ProgressDisplay({ write: (s: string) => lines.push(s) }, 5000);
    for (let t = 0; t <= 12_000; t += 1000) display.progress(progress(t));
    expect(lines.map((l) => l.slice(0, 12))).toEqual(['[fault] 0:05', '[fault] 0:10']);
  });
});
