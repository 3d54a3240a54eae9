/**
 * Links in the reports: the runbook as a link in summary.md, postmortem.md and report.html;
 * with `--link-base` every link in summary.md is absolute (it works posted as a PR comment),
 * without it the runbook links to the file the run found. From stored journals of real runs,
 * and from `squall run` / `squall report` in child processes on an experiment made here (in a
 * temp dir marked as a repository root by a `.git` file).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../engine/core/errors.js';
import { freePort } from '../engine/core/ports.js';
import { reportFormats } from './formats/catalog.js';
import { loadRun } from './write.js';

const ROOT = new URL('../', import.meta.url).pathname;
const BASE = 'https://github.com/example/squall/blob/0123abc';
const tmp = mkdtempSync(join(tmpdir(), 'squall-links-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const render = (name: string, format: string, linkBase?: string) => {
  const { summary, events } = loadRun(join(ROOT, 'reports/fixtures', name, 'journal.jsonl'));
  return reportFormats.get(format)!.render(summary, events, { linkBase });
};
/** Every Markdown link target in `md`. */
const targets = (md: string) => [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);

function squall(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'engine/app/cli/bin.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('runbook links from stored journals', () => {
  it('with --link-base: every link in summary.md is absolute, the runbook at its path in the repository', () => {
    for (const name of ['demo-breach', 'fleet-small-queue']) {
      const md = render(name, 'md', BASE);
      expect(targets(md).length).toBeGreaterThan(0);
      for (const href of targets(md)) expect(href, `${name}: ${href}`).toMatch(/^https:\/\//);
      expect(md).not.toContain('](report.html)');
      expect(md).toContain("Full report: `report.html in this run's artifacts`");
    }
    expect(render('demo-breach', 'md', BASE)).toContain(
      `Runbook: [docs/runbooks/demo-api-latency.md](${BASE}/docs/runbooks/demo-api-latency.md)`,
    );
    expect(render('fleet-small-queue', 'postmortem', BASE)).toContain(
      `- [runbooks/edge-cloud-partition.md](${BASE}/runbooks/edge-cloud-partition.md)`,
    );
    expect(render('fleet-small-queue', 'html', BASE)).toContain(
      `<a href="${BASE}/runbooks/edge-cloud-partition.md" data-runbook>runbooks/edge-cloud-partition.md</a>`,
    );
  });

  it('without it: the runbook links to the file the run found, a runbook URL as written', () => {
    const md = render('demo-breach', 'md');
    expect(md).toMatch(
      /Runbook: \[docs\/runbooks\/demo-api-latency\.md\]\(file:\/\/\/\S+\/docs\/runbooks\/demo-api-latency\.md\)/,
    );
    expect(md).toContain('Full report: [report.html](report.html)');
    expect(render('demo-guard', 'html')).toContain(
      '<a href="https://runbooks.example/api-unavailable" data-runbook>https://runbooks.example/api-unavailable</a>',
    );
  });
});

describe('runbook links from squall run and squall report', () => {
  it('link the runbook the run found: to the repository with --link-base, to the file without', async () => {
    const repo = join(tmp, 'repo');
    mkdirSync(join(repo, 'experiments'), { recursive: true });
    mkdirSync(join(repo, 'runbooks'));
    writeFileSync(join(repo, '.git'), 'gitdir: elsewhere\n');
    writeFileSync(join(repo, 'runbooks', 'api.md'), '# api runbook\n');
    const file = join(repo, 'experiments', 'api.yaml');
    const spec = readFileSync(join(ROOT, 'reports/fixtures/process-fails.yaml'), 'utf8')
      .replace('port: 18590', `port: ${await freePort()}`)
      .replace('  name: process-fails\n', '  name: process-fails\n  runbook: runbooks/api.md\n');
    writeFileSync(file, spec);
    const out = join(tmp, 'run');
    const run = await squall(['run', file, '--out', out, '--link-base', `${BASE}/`]);
    // The experiment's process does not start (exit 4): quick, and the run still reports.
    expect(run.code, run.output).toBe(ExitCode.infrastructure);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain(`Runbook: [runbooks/api.md](${BASE}/runbooks/api.md)`);

    const again = join(tmp, 'again');
    const report = await squall(['report', join(out, 'journal.jsonl'), '--out', again]);
    expect(report.code, report.output).toBe(ExitCode.ok);
    const html = readFileSync(join(again, 'report.html'), 'utf8');
    const href = /<a href="(file:[^"]+)" data-runbook>runbooks\/api\.md<\/a>/.exec(html)?.[1];
    expect(href, html.slice(html.indexOf('id="runbooks"'), html.indexOf('id="environment"'))).toBeDefined();
    expect(existsSync(fileURLToPath(href!))).toBe(true);
  }, 60_000);

  it('refuses a --link-base that is not a URL', async () => {
    const r = await squall([
      'report',
      join(ROOT, 'reports/fixtures/demo-pass/journal.jsonl'),
      '--out',
      join(tmp, 'x'),
      '--link-base',
      'github',
    ]);
    expect(r.code).toBe(ExitCode.invalidInput);
    expect(r.output).toContain(
      "--link-base: expected an http(s) URL such as https://github.com/org/repo/blob/main, got 'github'",
    );
  }, 30_000);
});
