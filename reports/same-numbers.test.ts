/**
 * One journal, every format a person reads, the same strings: each output is parsed back
 * (the terminal's table by its columns, Markdown tables by their cells, report.html by its SLO
 * rows, junit.xml by junit2json) and each SLO's value, window values, objective and the score
 * must read identically in all of them. Journals from real runs (reports/fixtures).
 */
import { join } from 'node:path';
import { parse, type TestSuites } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { reportFormats } from './formats/catalog.js';
import { renderTerminal } from './terminal.js';
import { loadRun } from './write.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Read {
  value: string;
  objective: string;
  /** baseline, fault, recovery; absent where the format does not show windows. */
  windows?: string[];
}

const unescapeMd = (cell: string) => cell.replace(/\\\|/g, '|').trim();

/** Every row of every GitHub-flavoured Markdown table whose header starts with `first`. */
function mdRows(md: string, first: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map(unescapeMd);
    if (cells[0] === first) inTable = true;
    else if (inTable && !/^-+$/.test(cells[0]!)) rows.push(cells);
  }
  return rows;
}

/** The SLO table of summary.md or postmortem.md: objective cell is `sli objective (window)`. */
function fromMarkdown(md: string): Map<string, Read> {
  return new Map(
    mdRows(md, 'SLO').map((c) => [
      c[0]!,
      {
        value: c[2]!,
        objective: /^\S+ (.*) \(\w+\)$/.exec(c[1]!)![1]!,
        windows: [c[3]!, c[4]!, c[5]!],
      },
    ]),
  );
}

/** The terminal's table: columns two spaces apart. */
function fromTerminal(text: string): Map<string, Read> {
  const lines = text.split('\n');
  const head = lines.findIndex((l) => l.startsWith('SLO '));
  const out = new Map<string, Read>();
  for (const line of lines.slice(head + 1)) {
    const c = line.split(/ {2,}/);
    if (c.length !== 5) break;
    out.set(c[0]!, { value: c[2]!, objective: c[3]! });
  }
  return out;
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();

/** report.html's SLO rows (`<tr data-slo>`): cells are name, objective, value, windows. */
function fromHtml(html: string): Map<string, Read> {
  const out = new Map<string, Read>();
  for (const m of html.matchAll(/<tr data-slo="([^"]+)">(.*?)<\/tr>/g)) {
    const cells = [...m[2]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!.split('<br>')[0]!);
    out.set(m[1]!, {
      value: text(cells[2]!),
      objective: text(cells[1]!),
      windows: cells.slice(3, 6).map(text),
    });
  }
  return out;
}

/** junit.xml: the objective from each testcase name; the value from a failure message (or an expected breach's system-out). */
async function fromJunit(xml: string): Promise<Map<string, Partial<Read>>> {
  const parsed = (await parse(xml)) as TestSuites;
  const out = new Map<string, Partial<Read>>();
  for (const c of parsed.testsuite![0]!.testcase ?? []) {
    // The window may carry a note: `(run, expected to breach)`.
    const name = /^([^:]+): \S+ (.*) \(\w+(?:, [^)]+)?\)$/.exec(c.name ?? '');
    if (!name || c.classname?.endsWith('.slo') !== true) continue;
    // An expected breach passes: its reading is in system-out instead of a failure.
    const expected = String(c['system-out']?.[0] ?? '').replace(/^breached as expected: /, '');
    const message = c.failure?.[0]?.message ?? (expected || undefined);
    const value = message ? /^\S+ (.+?) (?:>=|<=|==|!=|>|<) /.exec(message)?.[1] : undefined;
    out.set(name[1]!, { objective: name[2]!, value });
  }
  return out;
}

describe.each(['fleet-small-queue', 'demo-breach', 'demo-guard'])('the same numbers for %s', (name) => {
  const { summary, events } = loadRun(join(FIXTURES, name, 'journal.jsonl'));
  const render = (format: string) => reportFormats.get(format)!.render(summary, events);
  const terminal = renderTerminal(summary, []);

  it('in the terminal, summary.md, postmortem.md, report.html and junit.xml', async () => {
    const md = fromMarkdown(render('md'));
    const postmortem = fromMarkdown(render('postmortem'));
    const html = fromHtml(render('html'));
    const term = fromTerminal(terminal);
    const junit = await fromJunit(render('junit'));
    expect(summary.slos.length).toBeGreaterThan(0);
    for (const slo of summary.slos) {
      const reads = { md: md.get(slo.name), postmortem: postmortem.get(slo.name), html: html.get(slo.name) };
      const t = term.get(slo.name);
      const j = junit.get(slo.name);
      expect(t, `${slo.name} in the terminal`).toBeDefined();
      for (const [format, read] of Object.entries(reads)) {
        expect(read, `${slo.name} in ${format}`).toBeDefined();
        expect(read!.value, `${slo.name} value in ${format} vs the terminal`).toBe(t!.value);
        expect(read!.objective, `${slo.name} objective in ${format}`).toBe(t!.objective);
        expect(read!.windows, `${slo.name} windows in ${format}`).toEqual(reads.md!.windows);
      }
      expect(j?.objective, `${slo.name} objective in junit.xml`).toBe(t!.objective);
      if (slo.status === 'breached') expect(j?.value, `${slo.name} value in junit.xml`).toBe(t!.value);
    }
  });

  it('the same score everywhere', () => {
    const scores = {
      terminal: /resilience score: (\S+)/.exec(terminal)?.[1],
      md: /\*\*Resilience score (\S+)\*\*/.exec(render('md'))?.[1],
      postmortem: /resilience score (\S+);/.exec(render('postmortem'))?.[1],
      html: /<div class="score"[^>]*>([^<]+)</.exec(render('html'))?.[1],
    };
    expect(scores.terminal).toMatch(/^\d+(\.\d)?\/100$/);
    for (const [format, score] of Object.entries(scores)) expect(score, format).toBe(scores.terminal);
  });
});
