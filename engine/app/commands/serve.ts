/**
 * `squall serve`: the web control room (engine/app/serve/). Refuses a non-loopback address
 * without --tokens before it binds; on SIGINT/SIGTERM aborts the active run, waits for its
 * rollback, then exits. `squall serve token add` makes a token for the --tokens file.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isLoopback } from '../../core/addresses.js';
import { ExitCode, formatSpecIssue, SpecError, SquallError } from '../../core/errors.js';
import { escapeControlLines } from '../../core/escape.js';
import { historyLocation } from '../../history/location.js';
import type { LoadedSchedule } from '../../schedule/load.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';
import { loadSchedules } from '../schedules.js';
import { createServeApp } from '../serve/serve-app.js';
import { addToken, ROLES, type Role, readTokens } from '../serve/tokens.js';
import { NOTIFY_FLAG_HELP, openRunNotifier } from './notify-flag.js';

const help = `Usage: squall serve [options]
       squall serve token add NAME --role viewer|operator --file FILE

The control room: a web page and API where the room watches runs live, operators start runs
from the library, abort (rolled back, exit 3), pause, resume and write notes, every action
journaled with who took it; the run history and each experiment's trend; /metrics for
Prometheus. One run at a time; others queue. Ctrl-C aborts the active run, waits for its
rollback, then stops.

Options:
  --listen HOST:PORT  Address to bind (default 127.0.0.1:7400). Anything but loopback needs --tokens
  --library DIR       The experiment files runs may start from (default experiments/)
  --tokens FILE       Require a token (viewer or operator); lines 'name role sha256:<hex>'
  --tls-cert FILE     Serve HTTPS with this certificate (squall certs issues one) ...
  --tls-key FILE      ... and its key
  --history PATH      The run history database (default $SQUALL_HOME/history.db, else
                      ~/.local/share/squall/history.db)
  --runs DIR          Where each run's journal and reports go (default runs/)
  --schedules FILE    Fire this schedule (kind: Schedule) into the queue; repeat it, or name a
                      directory for its *.yaml. Decisions (fired, skipped, missed) are in the
                      history and GET /api/schedules (docs/schedules.md)
${NOTIFY_FLAG_HELP}
  -h, --help          This help

Token file: 'squall serve token add alice --role operator --file tokens.txt' prints a fresh
token once and appends 'alice operator sha256:<hash of it>'; only the hash is kept.

Examples:
  squall serve --library experiments/
  squall serve token add wall --role viewer --file tokens.txt
  squall certs init --dir pki --agent serve --host serve=gameday.example.internal
  squall serve --listen 0.0.0.0:7400 --tokens tokens.txt --tls-cert pki/serve.pem --tls-key pki/serve.key
`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'The web control room: watch runs live, start, abort, pause, note; history and trends',
  help,
  async run(argv, io) {
    if (argv[0] === 'token') return tokenCommand(argv.slice(1), io);
    const { values, positionals } = parseFlags('serve', argv, {
      listen: { type: 'string' },
      library: { type: 'string' },
      tokens: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      history: { type: 'string' },
      runs: { type: 'string' },
      schedules: { type: 'string', multiple: true },
      notify: { type: 'string' },
    });
    if (positionals.length > 0)
      throw new SquallError('SQUALL_USAGE', unknownName('serve mode', positionals[0]!, ['token']));
    const { host, port } = parseListen(values.listen ?? '127.0.0.1:7400');
    if (!isLoopback(host) && !values.tokens)
      throw new SquallError(
        'SQUALL_SERVE_INSECURE_LISTEN',
        `refusing to listen on ${host}: anyone who can reach it could start and abort runs. Add --tokens FILE (make one with: squall serve token add NAME --role operator --file FILE) and --tls-cert/--tls-key, or listen on 127.0.0.1`,
      );
    if (Boolean(values['tls-cert']) !== Boolean(values['tls-key']))
      throw new SquallError('SQUALL_SERVE_INSECURE_LISTEN', 'give both --tls-cert and --tls-key, or neither');
    const tls = values['tls-cert']
      ? readTls(resolve(io.cwd, values['tls-cert']), resolve(io.cwd, values['tls-key']!))
      : undefined;
    if (!isLoopback(host) && !tls)
      io.stderr.write(
        `squall serve: warning: ${host} without TLS: tokens and cookies cross the network in plain text; add --tls-cert/--tls-key\n`,
      );
    const tokens = values.tokens ? readTokens(resolve(io.cwd, values.tokens)) : undefined;
    const where = historyLocation(io.env, io.cwd, values.history);
    if (where.path === undefined) throw new SquallError('SQUALL_HISTORY_UNAVAILABLE', where.reason);
    const schedules = await loadServeSchedules(values.schedules ?? [], io);
    if (!schedules) return ExitCode.invalidInput;
    const notifier = await openRunNotifier(values.notify, io);
    if (notifier === 'invalid') return ExitCode.invalidInput;
    const app = createServeApp({
      library: resolve(io.cwd, values.library ?? 'experiments'),
      historyPath: where.path,
      runsDir: resolve(io.cwd, values.runs ?? 'runs'),
      tokens,
      tls,
      env: io.env,
      cwd: io.cwd,
      schedules,
      notifier,
      log: (text) => io.stderr.write(`squall serve: ${escapeControlLines(text)}\n`),
    });
    io.setActiveFaultReporter?.(() => app.squall.runs.activeFaults());
    const address = await app.listen({ host, port });
    await app.squall.scheduler?.start();
    io.stdout.write(
      `squall serve: control room at ${address}/ (history ${where.path}${tokens ? `, ${tokens.length} tokens` : ', no tokens: loopback only'})\n`,
    );
    await new Promise<void>((done) => {
      if (!io.signal) return;
      if (io.signal.aborted) done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    const active = app.squall.runs.active;
    io.stderr.write(
      active
        ? `squall serve: stopping: aborting run ${active.runId} (${active.experiment}) and waiting for its rollback...\n`
        : 'squall serve: stopping\n',
    );
    await app.close();
    await notifier?.close();
    const last = active && app.squall.runs.get(active.runId);
    if (last?.exitCode === ExitCode.rollbackFailed) return ExitCode.rollbackFailed;
    return ExitCode.ok;
  },
};

/** The --schedules files, each with what it runs; undefined (issues printed) when one is invalid. */
async function loadServeSchedules(files: string[], io: CliIO): Promise<LoadedSchedule[] | undefined> {
  let loaded: LoadedSchedule[];
  try {
    loaded = await loadSchedules(files, io.cwd);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    io.stderr.write(`${err.issues.map(formatSpecIssue).join('\n')}\n`);
    return undefined;
  }
  return loaded;
}

async function tokenCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('serve token', argv, {
    role: { type: 'string' },
    file: { type: 'string' },
  });
  if (positionals[0] !== 'add' || positionals.length !== 2)
    throw new SquallError(
      'SQUALL_USAGE',
      'expected: squall serve token add NAME --role viewer|operator --file FILE',
    );
  if (!ROLES.includes(values.role as Role))
    throw new SquallError(
      'SQUALL_USAGE',
      `--role: expected viewer or operator${values.role ? `, not '${values.role}'` : ''}`,
    );
  if (!values.file) throw new SquallError('SQUALL_USAGE', '--file FILE: the tokens file to append to');
  const file = resolve(io.cwd, values.file);
  const token = addToken(file, positionals[1]!, values.role as Role);
  io.stdout.write(`${token}\n`);
  io.stderr.write(
    `squall serve: added ${positionals[1]} (${values.role}) to ${file}; the token above is shown only now\n`,
  );
  return ExitCode.ok;
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    throw new SquallError(
      'SQUALL_USAGE',
      `--listen '${text.slice(0, 80)}': expected HOST:PORT, e.g. 127.0.0.1:7400 or [::1]:7400`,
    );
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function readTls(certPath: string, keyPath: string) {
  try {
    return { cert: readFileSync(certPath), key: readFileSync(keyPath) };
  } catch (err) {
    throw new SquallError(
      'SQUALL_TLS_CONFIG_INVALID',
      `cannot read the TLS files (${(err as NodeJS.ErrnoException).path ?? certPath}: ${(err as NodeJS.ErrnoException).code}); squall certs issue makes them`,
    );
  }
}
