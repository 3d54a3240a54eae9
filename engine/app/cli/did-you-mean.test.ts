/**
 * Typos on the command line: an unknown command, flag, mode or action is a usage error (exit 2)
 * that names the nearest real one. Every command is covered: the flag under test is taken from
 * its own --help (the longest `--flag` there), so the help and the parser must agree.
 * Calls `main` in this process; nothing runs.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../commands/index.js';
import type { CliIO } from './command.js';
import { main } from './main.js';

async function squall(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
    cwd: process.cwd(),
    env: {},
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** `--queue-max` → `--queue-amx`: two letters swapped, a typo no other flag is nearer to. */
function typo(flag: string): string {
  const i = flag.length - 3;
  return `${flag.slice(0, i)}${flag[i + 1]}${flag[i]}${flag.slice(i + 2)}`;
}

describe('did you mean', () => {
  it('an unknown command, also after help, names the nearest', async () => {
    for (const argv of [['rnu'], ['help', 'rnu']]) {
      const r = await squall(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^squall: unknown command 'rnu' \(did you mean 'run'\?\); expected one of: run, validate,/,
      );
    }
    expect((await squall(['--verison'])).err).toContain(
      "unknown option '--verison' (did you mean '--version'?)",
    );
    expect((await squall(['xyzzy'])).err).not.toContain('did you mean');
  });

  it.each(commands.map((c) => [c.name, c] as const))(
    'squall %s: a mistyped flag from its --help',
    async (name, command) => {
      // A line naming another command (`squall serve --schedules`) shows that command's flags.
      const own = command.help
        .split('\n')
        .filter((line) => ![...line.matchAll(/squall ([a-z]+)/g)].some((m) => m[1] !== name))
        .join('\n');
      const flags = [...own.matchAll(/(?<![\w-])--([a-z][a-z0-9-]+)/g)]
        .map((m) => m[1]!)
        .filter((f) => f !== 'help');
      const flag = flags.reduce((a, b) => (b.length > a.length ? b : a));
      const mistyped = typo(flag);
      // Commands whose first word is a mode take their flags after it.
      const mode: Record<string, string> = { fleet: 'pub', schedule: 'run' };
      const argv = mode[name] ? [mode[name], `--${mistyped}`] : [`--${mistyped}`];
      const r = await squall([name, ...argv]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(
        `squall ${name}: unknown option '--${mistyped}' (did you mean '--${flag}'?); options: `,
      );
      expect(r.err).toContain(`(see squall ${name} --help) [SQUALL_USAGE]`);
    },
  );

  it('modes and actions of fleet, testbed, certs and agents', async () => {
    const cases = [
      [
        ['fleet', 'pbu', '--broker', 'mqtt://127.0.0.1:1'],
        "unknown mode 'pbu' (did you mean 'pub'?); expected one of: conn, pub, sub",
      ],
      [['testbed', 'upp'], "unknown action 'upp' (did you mean 'up'?); expected one of: up, down, status"],
      [['certs', 'inti'], "unknown action 'inti' (did you mean 'init'?); expected one of: init"],
      [
        ['agents', 'pnig', '127.0.0.1:1'],
        "unknown action 'pnig' (did you mean 'ping'?); expected one of: ping",
      ],
    ] as const;
    for (const [argv, message] of cases) {
      const r = await squall([...argv]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
    }
  });
});
