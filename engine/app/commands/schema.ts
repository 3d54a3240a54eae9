/** `squall schema`: the JSON Schema of experiment files, for editors. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, SquallError } from '../../core/errors.js';
import type { Command } from '../cli/command.js';
import { parseFlags } from '../cli/flags.js';
import { experimentJsonSchemaText } from '../json-schema.js';

const help = `Usage: squall schema [options]

Prints the JSON Schema (draft-07) of experiment files (and schedules, kind: Schedule), with the registered fault kinds,
probe kinds and SLI names, so editors complete and check experiment YAML.

Options:
  --write PATH   Write the schema to PATH instead of printing it
  -h, --help     This help

Examples:
  squall schema > schema.json
  squall schema --write experiments/schema.json
  # then, first line of an experiment file (VS Code YAML extension):
  # yaml-language-server: $schema=./schema.json
`;

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'Print or write the JSON Schema of experiment files for editors',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    if (positionals.length > 0) {
      throw new SquallError(
        'SQUALL_USAGE',
        `unexpected argument '${positionals[0]}' (see squall schema --help)`,
      );
    }
    const text = experimentJsonSchemaText();
    if (values.write === undefined) {
      io.stdout.write(text);
      return ExitCode.ok;
    }
    const path = resolve(io.cwd, values.write);
    await writeFile(path, text);
    io.stdout.write(`wrote ${values.write}\n`);
    return ExitCode.ok;
  },
};

function parse(argv: string[]) {
  return parseFlags('schema', argv, { write: { type: 'string' } });
}
