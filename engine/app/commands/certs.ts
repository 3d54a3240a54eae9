/** `squall certs init`: a CA plus controller and agent certificates for mTLS, each with one role. */
import { relative, resolve } from 'node:path';
import { type IssuedFiles, initCerts } from '../../../agents/certs/cert-files.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import type { Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';

const help = `Usage: squall certs init [options]

Creates a private CA (reused when already in --dir, with the controller's certificate, so an
agent can be added later) and certificates it signs, each for one
role: the controller's is a client certificate only; each agent's is a server certificate only,
valid for the agent's name and the addresses given for it with --host. Agents accept sessions
only from controller names in their policy's 'controllers' (default: squall-controller), and a
controller checks that the agent it reached carries the name the experiment gives it.
Keys are written with mode 0600, certificates 0644 (also when --force replaces files).

Options:
  --dir dir             Where to write (default ./certs)
  --agent name          Agent certificate to issue (repeatable; default 'agent'); a name of
                        letters, digits, - and _ that matches the agent's name under agents:
  --host agent=addr     Another name (IP or DNS) of one agent (repeatable), e.g. edge-1=10.0.0.5;
                        a bare --host addr is allowed when exactly one --agent is issued
  --controller name     Controller certificate name / CN (default squall-controller)
  --days n              Validity of issued certificates (default 825)
  --force               Replace existing files (and the CA)
  -h, --help            This help

Examples:
  squall certs init --dir certs --agent edge-1 --agent cloud-1 --host edge-1=10.0.0.5 --host cloud-1=10.0.0.6
  squall certs init --dir certs --agent edge-2 --host 10.0.0.7
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
    if (days !== undefined && !(Number.isInteger(days) && days > 0 && days <= 36_500)) {
      throw new SquallError('SQUALL_USAGE', `--days must be an integer 1..36500, got '${values.days}'`);
    }
    const agents = values.agent ?? ['agent'];
    const dir = resolve(io.cwd, values.dir ?? 'certs');
    const result = initCerts({
      dir,
      agents,
      hosts: hostsByAgent(values.host ?? [], agents),
      ...(values.controller !== undefined ? { controllerName: values.controller } : {}),
      ...(days ? { days } : {}),
      force: values.force ?? false,
    });
    io.stdout.write(renderTable(result.files, io.cwd));
    return ExitCode.ok;
  },
};

/** `--host edge-1=10.0.0.5` (per agent) or `--host 10.0.0.5` (only with one agent). */
function hostsByAgent(flags: string[], agents: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    let agent: string;
    let host: string;
    if (eq >= 0) {
      agent = flag.slice(0, eq);
      host = flag.slice(eq + 1);
    } else if (agents.length === 1) {
      agent = agents[0]!;
      host = flag;
    } else {
      throw new SquallError(
        'SQUALL_USAGE',
        `--host ${flag}: with several agents, say whose name it is (--host ${agents[0]}=${flag}); each agent certificate carries only its own names`,
      );
    }
    out[agent] = [...(out[agent] ?? []), host];
  }
  return out;
}

/** One row per certificate, columns aligned: role, name, files, what it is valid for. */
function renderTable(files: IssuedFiles[], cwd: string): string {
  const show = (p: string) => {
    const r = relative(cwd, p);
    return r.startsWith('..') ? p : r;
  };
  const rows = [
    ['ROLE', 'NAME', 'CERTIFICATE', 'KEY (0600)', 'USE', ''],
    ...files.map((f) => [
      f.role,
      f.name,
      show(f.cert),
      show(f.key),
      f.role === 'CA'
        ? 'signs the others'
        : f.role === 'controller'
          ? 'client auth only'
          : `server auth only: ${f.names.join(', ')}`,
      f.status === 'created' ? '' : f.status,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const notes = files.flatMap((f) => (f.note ? [`note: ${f.note}`] : []));
  return `${[...lines, ...notes].join('\n')}\n`;
}

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
