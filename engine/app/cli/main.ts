/**
 * `squall`: dispatches to sub-commands. Pure of process globals (the entry point in bin.ts
 * owns signals and the exit code), so tests call `main(argv, io)` directly.
 */

import { ExitCode, exitCodeOf, isSquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { SQUALL_VERSION } from '../../core/version.js';
import { commands } from '../commands/index.js';
import type { CliIO, Command } from './command.js';
import { unknownName } from './flags.js';

function topLevelHelp(all: readonly Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  return `squall ${SQUALL_VERSION} — chaos experiments for IoT platforms, scored against SLOs

Usage: squall <command> [options]

Commands:
${all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'squall <command> --help' for a command's options and examples.

Examples:
  squall validate experiments/*.yaml
  squall plan experiments/demo-latency.yaml
  squall run experiments/demo-latency.yaml --out runs/demo

Exit codes: 0 SLOs met · 1 SLO breached · 2 invalid input · 3 aborted and rolled back ·
            4 infrastructure error · 5 rollback failed (a fault may still be active)
`;
}

function unknownCommand(name: string, io: CliIO): number {
  const what = name.startsWith('-') ? 'option' : 'command';
  const choices = what === 'option' ? ['--help', '--version'] : commands.map((c) => c.name);
  io.stderr.write(`squall: ${unknownName(what, name, choices)} (see squall --help)\n`);
  return ExitCode.invalidInput;
}

export function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    if (topic !== undefined && !command) return unknownCommand(topic, io);
    io.stdout.write(command ? command.help : topLevelHelp(commands));
    return name ? ExitCode.ok : ExitCode.invalidInput;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${SQUALL_VERSION}\n`);
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name, io);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    // Messages echo user text (a --var, a path, an agent's reply): control characters escaped.
    if (isSquallError(err))
      io.stderr.write(`squall ${name}: ${escapeControlLines(err.message)} [${err.code}]\n`);
    else io.stderr.write(`squall ${name}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return exitCodeOf(err);
  }
}
