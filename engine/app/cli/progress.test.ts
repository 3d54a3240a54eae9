import { describe, expect, it } from 'vitest';
import type { LiveSlo } from '../../slo/live.js';
import { formatProgressLine, ProgressDisplay } from './progress.js';

const slo = (
  name: string,
  state: LiveSlo['state'],
  value: number | null,
  unit: string,
  objective: string,
) => ({
  name,
  sli: name,
  window: 'fault' as const,
  objective,
  state,
  value,
  unit,
});
const progress = (elapsedMs: number) => ({
  phase: 'fault' as const,
  elapsedMs,
  totalMs: 90_000,
  activeFaults: ['kill-broker'],
  slos: [slo('delivery', 'breaching', 0.992, 'ratio', '>= 99.9%'), slo('p99', 'met', 120, 'ms', '<= 500ms')],
});

describe('progress display', () => {
  it('formats phase, elapsed/total, active faults and each SLO with its objective and state', () => {
    expect(formatProgressLine(progress(65_000))).toBe(
      '[fault] 1:05/1:30 faults: kill-broker | delivery 99.2% (>= 99.9%) breaching · p99 120 ms (<= 500 ms) met',
    );
  });

  it('says "lost? N pending" while message counts settle, and "waiting for recovery" for time_to_recover', () => {
    const p = {
      ...progress(5000),
      slos: [
        { ...slo('zero-loss', 'pending', 0, 'count', '== 0'), pending: 312 },
        slo('recovered', 'waiting', null, 'ms', '<= 10s'),
      ],
    };
    expect(formatProgressLine(p)).toBe(
      '[fault] 0:05/1:30 faults: kill-broker | zero-loss 0 (== 0) lost? 312 pending · recovered waiting for recovery (<= 10 s)',
    );
  });

  it('elides the least important SLOs first and never cuts a word', () => {
    const p = progress(65_000);
    // 80 columns: the fault names become a count, the met SLO gives way, the breach stays.
    expect(formatProgressLine(p, { width: 80 })).toBe(
      '[fault] 1:05/1:30 faults: 1 | delivery 99.2% (>= 99.9%) breaching · +1 more',
    );
    const words = new Set(formatProgressLine(p).split(' ').concat(['faults:', '1', '+1', '+2', 'more']));
    for (let width = 20; width <= 120; width++) {
      const line = formatProgressLine(p, { width });
      expect(line.length).toBeLessThanOrEqual(width);
      for (const w of line.replace(/…$/, '').split(' '))
        expect(words.has(w), `'${w}' at width ${width}`).toBe(true);
    }
  });

  it('colours SLO states on a TTY', () => {
    const line = formatProgressLine(progress(1000), { colour: true });
    expect(line).toContain('\x1b[31mdelivery 99.2% (>= 99.9%) breaching\x1b[0m');
    expect(line).toContain('\x1b[32mp99 120 ms (<= 500 ms) met\x1b[0m');
  });

  it('rewrites one line on a TTY and keeps event lines above it', () => {
    let out = '';
    const display = new ProgressDisplay({ write: (s: string) => (out += s), isTTY: true, columns: 200 });
    display.progress(progress(1000));
    display.message('+ injected process.kill');
    display.progress(progress(2000));
    display.done();
    expect(out).toBe(
      `\r\x1b[2K${formatProgressLine(progress(1000), { width: 199, colour: true })}\r\x1b[2K+ injected process.kill\n\r\x1b[2K${formatProgressLine(progress(2000), { width: 199, colour: true })}\r\x1b[2K`,
    );
  });

  it('prints plain lines at most every few seconds when not a TTY (CI logs)', () => {
    const lines: string[] = [];
    const display = new ProgressDisplay({ write: (s: string) => lines.push(s) }, 5000);
    for (let t = 0; t <= 12_000; t += 1000) display.progress(progress(t));
    expect(lines.map((l) => l.slice(0, 12))).toEqual(['[fault] 0:05', '[fault] 0:10']);
  });
});
