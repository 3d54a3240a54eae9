/** `squall certs init`: a CA plus controller and agent certificates for mTLS. */
import { resolve } from 'node:path';
import type { Command } from '../../engine/cli/command.js';
import { parseFlags, unknownName } from '../../engine/cli/flags.js';
import { ExitCode, SquallError } from '../../engine/errors.js';
import { initCerts } from '../certs/certs.js';

const help = `Usage: squall certs init [options]

Creates a private CA (reused when already in --dir) and certificates it signs: one for the
controller (client auth) and one per agent (server auth, valid for localhost, 127.0.0.1, ::1
and every --host). Keys are written with mode 0600.

Options:
  --dir dir            Where to write (default ./certs)
  --agent name         Agent certificate to issue (repeatable; default 'agent')
  --host name|ip       Extra subjectAltName for agent certificates (repeatable)
  --controller name    Controller certificate name / CN (default squall-controller)
  --days n             Validity of issued certificates (default 825)
  --force              Replace existing files (and the CA)
  -h, --help           This help

Examples:
  squall certs init --dir certs --agent edge-1 --agent cloud-1 --host 10.0.0.5 --host 10.0.0.6
`;

export const certsCommand: Command = {
  name: 'certs',
  summary: 'Create a CA and controller/agent certificates for mTLS (certs init)',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    if (positionals[0] !== 'init' || positionals.length !== 1) {
      throw new SquallError(
        'SQUALL_USAGE',
        positionals[0] && positionals[0] !== 'init'
          ? `${unknownName('action', positionals[0], ['init'])} (squall certs init [options])`
          : 'expected: squall certs init [options]',
      );
    }
    const days = values.days === undefined ? undefined : Number(values.days);
    if (days !== undefined && !(Number.isInteger(days) && days > 0)) {
      throw new SquallError('SQUALL_USAGE', `--days must be a positive integer, got '${values.days}'`);
    }
    const result = initCerts({
      dir: resolve(io.cwd, values.dir ?? 'certs'),
      agents: values.agent ?? ['agent'],
      hosts: values.host ?? [],
      ...(values.controller ? { controllerName: values.controller } : {}),
      ...(days ? { days } : {}),
      force: values.force ?? false,
    });
    io.stdout.write(`${'CA'.padEnd(12)}${result.ca.cert}\n`);
    io.stdout.write(`${'controller'.padEnd(12)}${result.controller.cert}  ${result.controller.key}\n`);
    for (const [name, files] of Object.entries(result.agents))
      io.stdout.write(`${`agent ${name}`.padEnd(12)}${files.cert}  ${files.key}\n`);
    return ExitCode.ok;
  },
};

function parse(argv: string[]) {
  return parseFlags('certs', argv, {
    dir: { type: 'string' },
    agent: { type: 'string', multiple: true },
    host: { type: 'string', multiple: true },
    controller: { type: 'string' },
    days: { type: 'string' },
    force: { type: 'boolean' },
  });
}
