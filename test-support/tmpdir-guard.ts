/**
 * Vitest global setup (vitest.config.ts): tests must leave nothing under the system temp dir. Each test run gets
 * its own temp dir, `$TMPDIR/squall-tests-<random>`, exported as TMPDIR before any worker
 * starts, so `os.tmpdir()` in the workers and in every process they spawn (children inherit
 * the environment) points into it. Other test runs on the machine have their own, so what is
 * left here at the end was left by this run: the teardown lists it, fails the run, and then
 * removes it so a failing run still leaves nothing behind.
 *
 * One entry is the guard's own: `tsx-<uid>`, a link to tsx's compile cache in the system temp
 * dir (processes started with `node --import tsx` keep it there by design, like any tool's
 * cache), so children do not recompile everything in each run's fresh temp dir.
 *
 * The other is `squall-home`, exported as SQUALL_HOME: every `squall run` records itself in the
 * run history (engine/history/), and a test run must not write into its user's own history.
 * It is removed with the rest; tests that check the history use databases of their own.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SQUALL_HOME_ENTRY = 'squall-home';

export default function setup(): () => void {
  const outer = tmpdir();
  const dir = mkdtempSync(join(outer, 'squall-tests-'));
  // Traversable, not listable: tests that run an agent as another user (nobody) hand it a
  // directory of its own inside this one, which it must be able to reach.
  chmodSync(dir, 0o711);
  const tsxCache = `tsx-${process.getuid?.() ?? 0}`;
  mkdirSync(join(outer, tsxCache), { recursive: true });
  symlinkSync(join(outer, tsxCache), join(dir, tsxCache));
  const previous = process.env.TMPDIR;
  const previousHome = process.env.SQUALL_HOME;
  process.env.TMPDIR = dir;
  process.env.SQUALL_HOME = join(dir, SQUALL_HOME_ENTRY);
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (previousHome === undefined) delete process.env.SQUALL_HOME;
    else process.env.SQUALL_HOME = previousHome;
    const left = readdirSync(dir).filter((entry) => entry !== tsxCache && entry !== SQUALL_HOME_ENTRY);
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      // A throw here is only logged ("error during close"); the exit code is what CI sees.
      process.exitCode = 1;
      throw new Error(
        `tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp dir (removed now): ${left.sort().join(', ')}`,
      );
    }
  };
}
