/** `squall report` through the real dispatcher (engine/app/cli/main.ts), on the real-run fixtures. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/command.js';
import { main } from '../cli/main.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'reports', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'squall-report-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cliIO: CliIO = {
    stdout: { write: (c: string) => out.push(c) },
    stderr: { write: (c: string) => err.push(c) },
    cwd: tmp,
    env: {},
  };
  return { cliIO, stdout: () => out.join(''), stderr: () => err.join('') };
}

const journal = (name: string) => join(FIXTURES, name, 'journal.jsonl');

describe('squall report', () => {
  it('writes every format into --out and prints the paths', async () => {
    const t = io();
    const out = join(tmp, 'all');
    expect(await main(['report', journal('demo-pass'), '--out', out], t.cliIO)).toBe(0);
    const files = ['report.html', 'summary.json', 'junit.xml', 'summary.md', 'postmortem.md'];
    for (const f of files) {
      expect(existsSync(join(out, f))).toBe(true);
      expect(t.stdout()).toContain(join(out, f));
    }
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toBe(
      readFileSync(join(FIXTURES, 'demo-pass', 'summary.md'), 'utf8'),
    );
  });

  it('writes only the formats asked for', async () => {
    const t = io();
    const out = join(tmp, 'some');
    expect(await main(['report', journal('demo-pass'), '--out', out, '--format', 'html,md'], t.cliIO)).toBe(
      0,
    );
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'summary.md'))).toBe(true);
    expect(existsSync(join(out, 'junit.xml'))).toBe(false);
  });

  it('rejects an unknown format with the known ones', async () => {
    const t = io();
    expect(await main(['report', journal('demo-pass'), '--out', tmp, '--format', 'htm'], t.cliIO)).toBe(2);
    expect(t.stderr()).toContain("unknown report format 'htm' (did you mean 'html'?)");
  });

  it('renders a truncated, corrupt journal, says why it is incomplete, and exits 2', async () => {
    const t = io();
    const out = join(tmp, 'truncated');
    expect(await main(['report', journal('demo-truncated'), '--out', out], t.cliIO)).toBe(2);
    expect(t.stderr()).toContain('is incomplete');
    expect(t.stderr()).toContain('journal line 17 is unreadable');
    expect(t.stderr()).toContain('no run.end event');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('data-verdict="INCOMPLETE"');
    expect(html).toContain('data-incomplete="true"');
    // What could be read is still there: the fault and the probe's charts.
    expect(html).toContain('slow-path');
    expect(html).toContain('data-chart="probe-api-latency"');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ complete: false, outcome: 'incomplete', exitCode: null });
    expect(summary.keySlis.length).toBeGreaterThan(0);
  });

  it('fails clearly on a journal that does not exist', async () => {
    const t = io();
    expect(await main(['report', join(tmp, 'nope.jsonl')], t.cliIO)).toBe(2);
    expect(t.stderr()).toMatch(/cannot read journal '.*nope\.jsonl': ENOENT/);
  });

  it('compares with another run and flags regressions', async () => {
    const t = io();
    const out = join(tmp, 'compare');
    const before = join(FIXTURES, 'demo-pass', 'summary.json');
    const code = await main(
      ['report', journal('demo-breach'), '--out', out, '--compare', before, '--fail-on-regression'],
      t.cliIO,
    );
    expect(code).toBe(1);
    const text = readFileSync(join(out, 'comparison.md'), 'utf8');
    expect(t.stdout()).toContain(text);
    expect(text).toMatch(
      /\| fast-enough: latency_p99 <= 500 ms \(run\) \| 162 ms met, budget 0% \| 614 ms BREACHED, budget 1,176% \| \+452 ms \| \*\*REGRESSION\*\* \|/,
    );
    expect(text).toContain('| api latency_p99 (recovery) | 6.83 ms | 7.54 ms | +0.708 ms |  |');
    expect(text).toContain('score 93.8/100 **REGRESSION**');
    expect(text).toMatch(/\| available: .* \| 100% met, budget 0% \| 100% met, budget 0% \| ±0 pp \| {2}\|/);
  });

  it('compares a run with itself: no regressions, exit 0', async () => {
    const t = io();
    const out = join(tmp, 'same');
    const same = join(FIXTURES, 'demo-breach', 'summary.json');
    expect(
      await main(
        ['report', journal('demo-breach'), '--out', out, '--compare', same, '--fail-on-regression'],
        t.cliIO,
      ),
    ).toBe(0);
    expect(t.stdout()).toContain('No regressions.');
  });

  it('refuses to compare runs of different experiments unless --force, and says why', async () => {
    const other = join(FIXTURES, 'demo-guard', 'summary.json'); // experiment demo-proxy-down
    const out = join(tmp, 'other-experiment');
    const t = io();
    expect(await main(['report', journal('demo-breach'), '--out', out, '--compare', other], t.cliIO)).toBe(2);
    expect(t.stderr()).toContain(
      `refusing to compare runs of different experiments: this run is 'demo-latency', ${other} is 'demo-proxy-down'`,
    );
    expect(t.stderr()).toContain('(add --force to compare anyway)');
    expect(existsSync(out)).toBe(false); // refused before anything was written
    const forced = io();
    expect(
      await main(
        ['report', journal('demo-breach'), '--out', out, '--compare', other, '--force'],
        forced.cliIO,
      ),
    ).toBe(0);
    expect(readFileSync(join(out, 'comparison.md'), 'utf8')).toContain(
      '> **Different experiments** (before: demo-proxy-down), compared with --force',
    );
  });
});
