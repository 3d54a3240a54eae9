/**
 * The hostile corpus (fixtures/hostile/*.yaml, each with its .expected lines and, for `--var`
 * cases, an .args file of one argument per line): files built to exhaust memory or time,
 * overflow the stack, smuggle control characters to the terminal, or ask a host for more than
 * it has. The large ones (50 MB, /dev/zero, 1 MiB of tokens, a 900 KB line, a 500 KB key, 60 KB
 * `--var`s) are generated into a temp dir here, not stored.
 *
 * Every input goes through the real CLI (`main`, as bin.ts runs it) in a child process
 * (test-support/measure-cli.ts under tsx), once per command: `validate`, `plan` and `run`. Each
 * must be refused with exit 2 and exactly its expected `file:line:col field.path: message`
 * lines, with under 1 s of wall time and under 200 MB of peak RSS, both measured in the child.
 * The wall time excludes the child's start-up (loading the modules), which no input changes;
 * peak RSS includes it (tsx and every module: ~150 MB here). On this loaded 2-core machine the
 * slowest input took ~0.45 s (an alias bomb, cold) and the peak stayed near 165 MB.
 * Expected lines may hold {{cpus}} and {{totalmem}} (this machine's) and {{*}} (anything: free
 * disk space changes while the test runs).
 * Needs: nothing beyond Node; no root.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCapacityBytes } from '../../agents/faults/capacity.js';

const HOSTILE_DIR = fileURLToPath(new URL('./fixtures/hostile/', import.meta.url));
const HARNESS = fileURLToPath(new URL('./test-support/measure-cli.ts', import.meta.url));
const COMMANDS = ['validate', 'plan', 'run'] as const;
const MAX_WALL_MS = 1000;
const MAX_RSS_MB = 200;

const HEAD =
  'apiVersion: squall/v1\nkind: Experiment\nmetadata: { name: big }\nphases: { baseline: 1s, recovery: 1s }\n';
const TOO_LARGE =
  'the experiment file is larger than 1 MiB; spec files are a few KB (raise the limit with --max-file-size if this one is meant)';
const TOO_MANY_TOKENS =
  'the file has more than 20000 YAML tokens; an experiment is a few hundred (is this the right file?)';
const run = (n: number, c: string) => c.repeat(n);

/** Inputs too large to store, written at test time: file name → contents and expected lines. */
const GENERATED: { file: string; write(path: string): void; expected: string[]; args?: string[] }[] = [
  {
    file: 'fifty-mb.yaml',
    write: (path) => writeFileSync(path, Buffer.alloc(50 * 1024 * 1024, 'a')),
    expected: [`fifty-mb.yaml:1:1 ${TOO_LARGE}`],
  },
  {
    file: 'dev-zero.yaml',
    write: (path) => symlinkSync('/dev/zero', path),
    expected: [`dev-zero.yaml:1:1 ${TOO_LARGE}`],
  },
  {
    file: 'tokens-flow.yaml',
    write: (path) => writeFileSync(path, `${HEAD}x: [${run(500_000, '0,')}0]\n`),
    expected: [`tokens-flow.yaml:5:13299 ${TOO_MANY_TOKENS}`],
  },
  {
    file: 'tokens-block.yaml',
    write: (path) => writeFileSync(path, `${HEAD}x:\n${run(250_000, '- 0\n')}`),
    expected: [`tokens-block.yaml:3994:3 ${TOO_MANY_TOKENS}`],
  },
  {
    file: 'long-line.yaml',
    write: (path) => writeFileSync(path, HEAD.replace('name: big', `name: ${run(900_000, 'a')}`)),
    expected: [`long-line.yaml:3:19 metadata.name: expected at most 64 character(s)`],
  },
  {
    file: 'huge-key.yaml',
    // An explicit key (`? key`): YAML caps implicit keys at 1024 characters.
    write: (path) => writeFileSync(path, `${HEAD}? ${run(500_000, 'k')}\n: 1\n`),
    expected: [
      `huge-key.yaml:5:3 ${run(200, 'k')}… (500000 characters): unknown field '${run(80, 'k')}… (500000 characters)'; expected one of: agents, apiVersion, expect, faults, fleet, guards, kind, metadata, phases, probes, rollback, slos, sources, system, vars`,
    ],
  },
  {
    file: 'suite-lists-fifty-mb.yaml',
    write: (path) =>
      writeFileSync(
        path,
        'apiVersion: squall/v1\nkind: Suite\nmetadata: { name: s }\nexperiments:\n  - file: fifty-mb.yaml\n',
      ),
    expected: [
      "suite-lists-fifty-mb.yaml:5:11 experiments[0].file: experiment 'fifty-mb.yaml' is invalid: 1 issue, listed below",
      `fifty-mb.yaml:1:1 ${TOO_LARGE}`,
    ],
  },
];

/** `--var`s too large to store, for stored files. */
const GENERATED_ARGS: Record<string, string[]> = {
  'var-too-long.yaml': ['--var', `d=${run(70_000, 'a')}`],
  'var-deep-nesting.yaml': ['--var', `devices=${run(30_000, '[')}${run(30_000, ']')}`],
};

interface Measured {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  wallMs: number;
  maxRssMB: number;
}

interface Case {
  file: string;
  cwd: string;
  args: string[];
  expected: string[];
}

function storedCases(): Case[] {
  return readdirSync(HOSTILE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => {
      const base = join(HOSTILE_DIR, file.replace(/\.yaml$/, ''));
      const argsFile = readdirSync(HOSTILE_DIR).includes(`${file.replace(/\.yaml$/, '')}.args`);
      const args = argsFile ? readFileSync(`${base}.args`, 'utf8').split('\n').slice(0, -1) : [];
      const expected = readFileSync(`${base}.expected`, 'utf8').split('\n').filter(Boolean);
      return { file, cwd: HOSTILE_DIR, args: [...args, ...(GENERATED_ARGS[file] ?? [])], expected };
    });
}

/** Runs every case through one command in one child; one measurement per case. */
function measure(command: string, cases: Case[], outDir: string): Promise<Measured[]> {
  const jobs = cases.map((c) => ({
    // --out: should a regression let a hostile file through, `run` writes into the temp dir.
    argv: [command, c.file, ...c.args, ...(command === 'run' ? ['--out', join(outDir, c.file)] : [])],
    cwd: c.cwd,
  }));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', HARNESS], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`measure-cli exited ${code}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Measured),
      );
    });
    child.stdin.end(JSON.stringify(jobs));
  });
}

const ISSUE_LINE = /^[^ ]+:\d+:\d+ /;

/** An expected line as a pattern: placeholders filled in, {{*}} matching anything. */
function linePattern(line: string): RegExp {
  const filled = line
    .replaceAll('{{cpus}}', String(availableParallelism()))
    .replaceAll('{{totalmem}}', formatCapacityBytes(totalmem()));
  const parts = filled.split('{{*}}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

describe('hostile corpus (fixtures/hostile) through validate, plan and run', () => {
  let tmp: string;
  let cases: Case[];
  const results = new Map<string, Measured[]>();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'squall-hostile-'));
    for (const g of GENERATED) g.write(join(tmp, g.file));
    cases = [
      ...storedCases(),
      ...GENERATED.map((g) => ({ file: g.file, cwd: tmp, args: g.args ?? [], expected: g.expected })),
    ];
    for (const command of COMMANDS) results.set(command, await measure(command, cases, tmp));
  }, 180_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds at least 25 stored hostile files, each with its .expected lines', () => {
    const stored = storedCases();
    expect(stored.length).toBeGreaterThanOrEqual(25);
    for (const c of stored) expect(c.expected.length, c.file).toBeGreaterThan(0);
  });

  for (const command of COMMANDS) {
    it(`${command}: every input is refused with exit 2, its positioned lines, < 1 s, < 200 MB`, () => {
      const measured = results.get(command)!;
      expect(measured).toHaveLength(cases.length);
      const slowest = measured.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
      console.log(
        `${command}: ${measured.length} hostile inputs; slowest ${slowest.argv[1]} ${slowest.wallMs.toFixed(0)} ms; peak RSS ${Math.max(...measured.map((m) => m.maxRssMB)).toFixed(0)} MB`,
      );
      cases.forEach((c, i) => {
        const m = measured[i]!;
        const output = `${m.stdout}${m.stderr}`;
        const lines = output.split('\n').filter((l) => ISSUE_LINE.test(l));
        expect({ file: c.file, exitCode: m.exitCode }).toEqual({ file: c.file, exitCode: 2 });
        expect(lines.length, `${c.file}:\n${output}`).toBe(c.expected.length);
        for (const [j, line] of c.expected.entries()) expect(lines[j], c.file).toMatch(linePattern(line));
        // Never a stack trace, never a raw control character on the terminal.
        expect(output, c.file).not.toMatch(/internal error|\n\s+at /);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw control characters.
        expect(output, c.file).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
        expect(m.wallMs, `${c.file} wall ms`).toBeLessThan(MAX_WALL_MS);
        expect(m.maxRssMB, `${c.file} peak RSS MB`).toBeLessThan(MAX_RSS_MB);
      });
    });
  }
});
