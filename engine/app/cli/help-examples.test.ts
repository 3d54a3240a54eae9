/**
 * Every example in `squall --help` and in each command's `--help` is run here, so none can rot.
 * The rule (nothing else about an example is changed):
 *
 * - It runs through `main`, as bin.ts does, in a scratch working directory holding a copy of
 *   experiments/, links to docs/ and runbooks/ and a `.git` marker (a checkout's root), so what it writes (runs/, certs/,
 *   schema.json) lands there. `sh` turns the line into argv (quotes, globs); `> file` and
 *   `| command` are applied as the shell would. It must exit 0.
 * - Every file it reads exists and is valid: in the repo, or written by an earlier example of
 *   the same help; every path is relative. The report examples read a recorded run of demo-latency
 *   (reports/fixtures/demo-pass) put where they name it.
 * - `squall run` examples run with --dry-run: validated and planned, nothing injected (real
 *   runs are engine/app/cli/cli.test.ts's and the experiment library tests').
 * - Fixed ports and remote addresses become the test's own: `fleet` examples use an aedes on
 *   port 0, at most 200 devices, for 1 s; `agent` listens on port 0 (a unix socket in a private
 *   scratch directory), its `--health` too; `agents ping` pings an agent
 *   this test started (mTLS, or plain text on loopback for --insecure).
 * - What runs until Ctrl-C is stopped as Ctrl-C does, once it says it is up: `agent` through the
 *   CLI's abort signal, `serve` too (on 127.0.0.1:0), `testbed up` (a child process, the user's other shell) by `testbed down`,
 *   which gets the --id of the testbeds started here (plain `down` stops every testbed on the
 *   machine). `sudo` is dropped; `--lab` needs root and is left out without it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AedesBroker, startAedes } from '../../../simulator/test-support/brokers.js';
import { isRoot } from '../../../testbed/lab/ip.js';
import { commands } from '../commands/index.js';
import type { CliIO, Command } from './command.js';
import { main } from './main.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const scratch: string[] = [];
const background: { stop: () => Promise<unknown> }[] = [];
let broker: AedesBroker;
beforeAll(async () => {
  broker = await startAedes();
});
afterAll(async () => {
  for (const b of background.splice(0).reverse()) await b.stop();
  await broker?.close();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** The lines under `Examples:`, continuation lines joined, comments left out. */
function examplesOf(help: string): string[] {
  const block = help.split(/^Examples:\n/m)[1] ?? '';
  const lines: string[] = [];
  for (const line of block.split('\n')) {
    if (!line.startsWith('  ')) break;
    const text = line.trim();
    const previous = lines.at(-1);
    if (previous?.endsWith('\\')) lines[lines.length - 1] = `${previous.slice(0, -1).trimEnd()} ${text}`;
    else if (!text.startsWith('#')) lines.push(text);
  }
  return lines;
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'squall-help-'));
  scratch.push(dir);
  cpSync(join(ROOT, 'experiments'), join(dir, 'experiments'), {
    recursive: true,
    filter: (src) => !/\.test\.ts$|test-support|tools/.test(src),
  });
  for (const linked of ['docs', 'runbooks']) symlinkSync(join(ROOT, linked), join(dir, linked));
  // A checkout's root: runbook paths are looked up there too (engine/spec/runbook.ts).
  writeFileSync(join(dir, '.git'), 'gitdir: none\n');
  return dir;
}

interface Result {
  code: number;
  out: string;
  err: string;
}

async function squall(argv: string[], cwd: string, signal?: AbortSignal, onOut?: (text: string) => void) {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: {
      write: (c: string) => {
        out += c;
        onOut?.(out);
      },
    },
    stderr: {
      write: (c: string) => {
        err += c;
      },
    },
    cwd,
    env: { XDG_STATE_HOME: join(cwd, 'state'), HOME: cwd },
    signal,
  };
  const code = await main(argv, io);
  return { code, out, err } satisfies Result;
}

/** The example's words as `sh` splits and globs them, run in `cwd`. */
function shellWords(words: string, cwd: string): string[] {
  const script = `for a in ${words}; do printf '%s\\0' "$a"; done`;
  return execFileSync('sh', ['-c', script], { cwd, encoding: 'utf8' }).split('\0').slice(0, -1);
}

/** `squall ... > file` / `squall ... | cmd`: the squall part, and what is done with its stdout. */
function splitShell(example: string): { words: string; redirect?: string; pipe?: string } {
  const pipe = example.indexOf(' | ');
  if (pipe >= 0) return { words: example.slice(0, pipe), pipe: example.slice(pipe + 3) };
  const m = /^(.*?)\s+>\s+(\S+)$/.exec(example);
  return m ? { words: m[1]!, redirect: m[2]! } : { words: example };
}

const flagValue = (argv: string[], flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const setFlag = (argv: string[], flag: string, value: string) => {
  const i = argv.indexOf(flag);
  if (i >= 0) argv[i + 1] = value;
  else argv.push(flag, value);
};

interface Context {
  cwd: string;
  /** Agents this test runs for `agents ping`, by whether they are plain text. */
  agents: { tls?: string; insecure?: string };
  testbeds: string[];
}

/** Waits for `text` to match, for commands that run until Ctrl-C. */
function until(pattern: RegExp): { seen: Promise<string>; feed: (text: string) => void } {
  let resolve!: (text: string) => void;
  const seen = new Promise<string>((r) => (resolve = r));
  return { seen, feed: (text) => pattern.test(text) && resolve(text) };
}

async function runUntilCtrlC(
  argv: string[],
  cwd: string,
  ready: RegExp,
): Promise<{ out: string; stop: () => Promise<Result> }> {
  const abort = new AbortController();
  const watch = until(ready);
  const done = squall(argv, cwd, abort.signal, watch.feed);
  const out = await Promise.race([
    watch.seen,
    done.then((r) => {
      throw new Error(`squall ${argv.join(' ')} ended before it was up (exit ${r.code}): ${r.out}${r.err}`);
    }),
  ]);
  return {
    out,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

/** `testbed up` in its own process (the user's other shell), until it prints that it runs. */
async function testbedUp(argv: string[], ctx: Context): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'engine/app/cli/bin.ts'), ...argv],
    {
      cwd: ROOT, // it writes nothing relative; tsx resolves from here
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  background.push({
    stop: () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  });
  let out = '';
  const id = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^testbed (\S+) .*\n[\s\S]*running; Ctrl-C/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d) => (out += d));
    void exited.then((code) => reject(new Error(`testbed up exited ${code}: ${out}`)));
  });
  ctx.testbeds.push(id);
}

async function runExample(example: string, ctx: Context): Promise<void> {
  const shell = splitShell(example.replace(/^sudo /, ''));
  const [command, ...argv] = shellWords(shell.words, ctx.cwd);
  expect(command, example).toBe('squall');
  // Paths are relative: an example that writes to /tmp/x writes outside this test, and its user's project.
  for (const a of argv) expect(a.startsWith('/'), `${example}: absolute path ${a}`).toBe(false);
  const [name] = argv;
  if (name === 'run' && !argv.includes('--dry-run')) argv.push('--dry-run');
  if (name === 'fleet') {
    setFlag(argv, '--broker', `mqtt://127.0.0.1:${broker.port}`);
    const count = flagValue(argv, '-c');
    if (count !== undefined) setFlag(argv, '-c', String(Math.min(Number(count), 200)));
    setFlag(argv, '--duration', '1s');
  }
  if (name === 'agents') {
    const address = argv.includes('--insecure') ? ctx.agents.insecure : ctx.agents.tls;
    argv[2] = address!;
  }
  if (name === 'agent') {
    setFlag(argv, '--listen', ownAddress(flagValue(argv, '--listen')!, ctx.cwd));
    const health = flagValue(argv, '--health');
    if (health !== undefined) setFlag(argv, '--health', ownAddress(health, ctx.cwd));
    const agent = await runUntilCtrlC(argv, ctx.cwd, /squall agent listening on /);
    const stopped = await agent.stop();
    expect(stopped.code, `${example}\n${stopped.err}`).toBe(0);
    return;
  }
  if (name === 'serve' && argv[1] !== 'token') {
    setFlag(argv, '--listen', '127.0.0.1:0');
    const server = await runUntilCtrlC(argv, ctx.cwd, /control room at /);
    const stopped = await server.stop();
    expect(stopped.code, `${example}\n${stopped.err}`).toBe(0);
    return;
  }
  if (name === 'testbed' && argv[1] === 'up') {
    if (argv.includes('--lab') && !isRoot()) return;
    await testbedUp(argv, ctx);
    return;
  }
  if (name === 'testbed' && argv[1] === 'down') {
    expect(ctx.testbeds.length, 'testbed down needs a testbed up before it').toBeGreaterThan(0);
    for (const id of ctx.testbeds.splice(0)) {
      const r = await squall([...argv, '--id', id], ctx.cwd);
      expect(r.code, `${example} --id ${id}\n${r.err}`).toBe(0);
      expect(r.out).toContain(`${id}: stopped by its owner`);
    }
    return;
  }
  const r = await squall(argv, ctx.cwd);
  expect(r.code, `${example}\n${r.out}${r.err}`).toBe(0);
  if (shell.redirect) writeFileSync(join(ctx.cwd, shell.redirect), r.out);
  if (shell.pipe) {
    const piped = execFileSync('sh', ['-c', shell.pipe], { cwd: ctx.cwd, input: r.out, encoding: 'utf8' });
    expect(piped, `${example}: every file is valid, so the filter selects nothing`).toBe('');
  }
}

/**
 * The test's own address for an example's: TCP on port 0, a unix socket in a private (0700)
 * directory of the scratch workspace.
 */
function ownAddress(address: string, cwd: string): string {
  if (!address.startsWith('unix:')) return address.replace(/:\d+$/, ':0');
  const dir = mkdtempSync(join(cwd, 'sock-'));
  chmodSync(dir, 0o700);
  return `unix:${join(dir, 'agent.sock')}`;
}

/** Files the examples read that no example of their help writes, put there as a user would have them. */
const ARRANGE: Record<string, (ctx: Context) => Promise<void>> = {
  report: async ({ cwd }) => {
    const run = join(ROOT, 'reports', 'fixtures', 'demo-pass');
    for (const dir of ['runs/demo', 'runs/today'])
      cpSync(join(run, 'journal.jsonl'), join(cwd, dir, 'journal.jsonl'));
    cpSync(join(run, 'summary.json'), join(cwd, 'runs/last-release/summary.json'));
    // What k6's handleSummary(data) writes with JSON.stringify(data), trimmed to two metrics.
    const k6Summary = {
      root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
      metrics: {
        http_req_duration: {
          type: 'trend',
          contains: 'time',
          values: { avg: 48.2, min: 9.1, med: 31.7, max: 812.3, 'p(90)': 120.5, 'p(95)': 233.9 },
        },
        http_req_failed: { type: 'rate', contains: 'default', values: { rate: 0.01, passes: 3, fails: 297 } },
      },
    };
    writeFileSync(join(cwd, 'runs/today/k6-summary.json'), JSON.stringify(k6Summary));
  },
  history: async ({ cwd }) => {
    // Recorded runs of demo-latency, a pass and a breach, for the import example to find.
    for (const run of ['demo-pass', 'demo-breach'])
      cpSync(join(ROOT, 'reports', 'fixtures', run), join(cwd, 'runs', run), { recursive: true });
  },
  agents: async (ctx) => {
    // The TLS example pings agent 'edge-1' (--name): its certificate carries that name.
    expect((await squall(['certs', 'init', '--dir', 'certs', '--agent', 'edge-1'], ctx.cwd)).code).toBe(0);
    const tls = [
      '--tls-ca',
      'certs/ca.pem',
      '--tls-cert',
      'certs/edge-1.pem',
      '--tls-key',
      'certs/edge-1.key',
    ];
    for (const [kind, listen, flags] of [
      ['tls', '127.0.0.1:0', tls],
      // Plain text only on a private unix socket (a root agent refuses it on TCP).
      ['insecure', ownAddress('unix:/run/squall/agent.sock', ctx.cwd), ['--insecure']],
    ] as const) {
      const agent = await runUntilCtrlC(['agent', '--listen', listen, ...flags], ctx.cwd, /listening on /);
      background.push(agent);
      ctx.agents[kind] = /listening on (\S+)/.exec(agent.out)![1]!;
    }
  },
};

const helps: [string, string][] = [
  ['squall --help', ''],
  ...commands.map((c: Command) => [c.name, c.help] as [string, string]),
];

describe.sequential('every --help example runs', () => {
  it.each(helps)(
    '%s',
    async (name, commandHelp) => {
      const help = commandHelp || (await squall(['--help'], ROOT)).out;
      const examples = examplesOf(help);
      expect(examples.length, `${name} --help has no examples`).toBeGreaterThan(0);
      const ctx: Context = { cwd: workspace(), agents: {}, testbeds: [] };
      await ARRANGE[name]?.(ctx);
      for (const example of examples) await runExample(example, ctx);
      if (name === 'schema') {
        // The schema written matches the committed one: `npm run schema` was not forgotten.
        const committed = readFileSync(join(ROOT, 'experiments', 'schema.json'), 'utf8');
        expect(readFileSync(join(ctx.cwd, 'experiments', 'schema.json'), 'utf8')).toBe(committed);
        expect(readFileSync(join(ctx.cwd, 'schema.json'), 'utf8')).toBe(committed);
      }
      for (const b of background.splice(0).reverse()) await b.stop();
    },
    120_000,
  );
});
