/** The process entry point: binds signals and the exit code, nothing else. */
import { ExitCode } from '../../core/errors.js';
import { defaultIO, main } from './main.js';
import { installSignalHandlers } from './signals.js';

const signals = installSignalHandlers({ stderr: process.stderr, exit: (code) => process.exit(code) });

main(process.argv.slice(2), {
  ...defaultIO(),
  signal: signals.signal,
  setActiveFaultReporter: signals.setActiveFaultReporter,
}).then(
  (code) => {
    process.exitCode = code;
    // Handles left by a misbehaving probe or process must not keep a finished run alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err) => {
    process.stderr.write(`squall: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = ExitCode.infrastructure;
  },
);
