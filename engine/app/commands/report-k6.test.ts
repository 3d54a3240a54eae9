/**
 * `squall report --import-k6`: a k6 end-of-test summary beside a real run's reports (the
 * demo-pass fixture journal). k6 cannot be installed here; the summary is written in k6's
 * documented handleSummary shape (engine/probes/k6-summary.test.ts has all three shapes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../cli/command.js';
import { main } from '../cli/main.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'reports', 'fixtures');
const journal = join(FIXTURES, 'demo-pass', 'journal.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'squall-report-k6-'));
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
  return { cliIO, stderr: () => err.join('') };
}

const k6Summary = {
  root_group: {
    name: '',
    path: '',
    id: 'd41d8cd98f00b204e9800998ecf8427e',
    groups: [],
    checks: [{ name: 'status is 200', path: '::status is 200', id: 'c1', passes: 590, fails: 10 }],
  },
  state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 90_000 },
  metrics: {
    http_req_duration: {
      type: 'trend',
      contains: 'time',
      values: { avg: 48.2, min: 9.1, med: 31.7, max: 812.3, 'p(90)': 120.5, 'p(95)': 233.9 },
      thresholds: { 'p(95)<500': { ok: true } },
    },
    http_req_failed: {
      type: 'rate',
      contains: 'default',
      values: { rate: 0.0167, passes: 10, fails: 590 },
      thresholds: { 'rate<0.01': { ok: false } },
    },
    http_reqs: { type: 'counter', contains: 'default', values: { count: 600, rate: 6.667 } },
    data_received: { type: 'counter', contains: 'data', values: { count: 1_234_567, rate: 13_717 } },
  },
};

describe('squall report --import-k6', () => {
  it('puts the k6 summary in summary.md and summary.json, the rest of the reports unchanged', async () => {
    const file = join(tmp, 'k6-summary.json');
    writeFileSync(file, JSON.stringify(k6Summary));
    const out = join(tmp, 'with-k6');
    const t = io();
    expect(await main(['report', journal, '--out', out, '--import-k6', 'k6-summary.json'], t.cliIO)).toBe(0);

    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    const plain = readFileSync(join(FIXTURES, 'demo-pass', 'summary.md'), 'utf8');
    // The section comes before the runbook and the link to the full report.
    const section = md.slice(md.indexOf('\n\n### k6 end-of-test summary'), md.indexOf('\n\nFull report:'));
    expect(section).toContain(
      "From `k6-summary.json` (handleSummary data) · 1 min 30 s · **k6's thresholds failed**. Whole-run numbers, k6's own",
    );
    expect(section).toContain(
      '| http_req_duration | trend | avg=48.2 ms min=9.1 ms med=31.7 ms max=812 ms p(90)=121 ms p(95)=234 ms |',
    );
    expect(section).toContain('| http_req_failed | rate | 1.67% ✓ 10 ✗ 590 |');
    expect(section).toContain('| http_reqs | counter | 600 · 6.67/s |');
    expect(section).toContain('| data_received | counter | 1.23 MB · 13.7 kB/s |');
    expect(section).toContain('| rate<0.01 | http_req_failed | ✗ failed |');
    expect(section).toContain('| ::status is 200 | 590 | 10 |');
    // Everything else is the run's summary.md as before.
    expect(md.replace(section, '')).toBe(plain);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.k6).toMatchObject({ format: 'handleSummary', file: 'k6-summary.json', passed: false });
    expect(summary.k6.metrics).toHaveLength(4);
    const without = JSON.parse(readFileSync(join(FIXTURES, 'demo-pass', 'summary.json'), 'utf8'));
    delete summary.k6;
    expect(summary).toEqual(without);
  });

  it('refuses a file that is not a k6 summary before writing anything: SQUALL_K6_SUMMARY_INVALID, exit 2', async () => {
    const file = join(tmp, 'not-k6.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, slos: [] }));
    const out = join(tmp, 'refused');
    const t = io();
    expect(await main(['report', journal, '--out', out, '--import-k6', file], t.cliIO)).toBe(2);
    expect(t.stderr()).toContain(`'${file}' is not a k6 end-of-test summary: expected handleSummary data`);
    expect(t.stderr()).toContain('[SQUALL_K6_SUMMARY_INVALID]');
    expect(existsSync(out)).toBe(false);
  });

  it('says so when the file cannot be read', async () => {
    const t = io();
    expect(
      await main(['report', journal, '--out', join(tmp, 'none'), '--import-k6', 'missing.json'], t.cliIO),
    ).toBe(2);
    expect(t.stderr()).toContain("cannot read k6 summary 'missing.json'");
  });
});
