/**
 * Managed processes must not outlive the squall process that started them (a runner or an
 * agent), however it ends — `kill -9` included, and also when the managed process is itself
 * stopped by a `process.pause`. The kernel does this for us: `prctl(PR_SET_PDEATHSIG, SIGKILL)`
 * in the child makes the kernel SIGKILL it the moment its parent dies, and SIGKILL reaches a
 * stopped process too. Node cannot call prctl, so the child is started through util-linux's
 * `setpriv --pdeathsig KILL -- <argv>`, which sets it and execs the command (same pid, no
 * process left in between; the setting survives exec).
 *
 * Limits, said in the log and docs: the setting is dropped when the command is setuid/setgid
 * or has file capabilities, and is not inherited by the command's own children (a shell
 * wrapper's child survives: `exec` in the wrapper avoids that). Without setpriv (busybox
 * systems) processes are started as before, with a warning, and an `exit` hook kills them when
 * squall exits on its own (an uncaught error included; not on SIGKILL).
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The absolute path `command` runs as, looked up like execvp(3) does; undefined when there is none. */
export function findExecutable(
  command: string,
  pathEnv: string | undefined,
  cwd: string,
): string | undefined {
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : (pathEnv ?? '').split(delimiter).map((dir) => join(isAbsolute(dir) ? dir : resolve(cwd, dir), command));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

let setpriv: string | null | undefined;
let warnedMissing = false;

/** setpriv with --pdeathsig (util-linux ≥ 2.33), checked once; null when this host has none. */
function setprivPath(): string | null {
  if (setpriv !== undefined) return setpriv;
  const found = findExecutable('setpriv', process.env.PATH, process.cwd());
  try {
    if (found) execFileSync(found, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
    setpriv = found ?? null;
  } catch {
    setpriv = null;
  }
  return setpriv;
}

/**
 * The argv to spawn so the process dies with this one: `setpriv --pdeathsig KILL -- <file>
 * <args>` (file already resolved by the caller), or the command itself when setpriv is missing
 * (`warn` is called once per process then).
 */
export function tiedArgv(file: string, args: readonly string[], warn: (message: string) => void): string[] {
  const tool = setprivPath();
  if (tool) return [tool, '--pdeathsig', 'KILL', '--', file, ...args];
  if (!warnedMissing) {
    warnedMissing = true;
    warn(
      'setpriv (util-linux) with --pdeathsig is not installed: managed processes may outlive a kill -9 of squall',
    );
  }
  return [file, ...args];
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` when this process exits while it still runs (uncaught error, process.exit). */
export function killOnExit(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) {
        try {
          if (c.pid) process.kill(c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}
