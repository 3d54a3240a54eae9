/** Runs `squall testbed up <args>` as the real CLI would (signals bound), for testbed-command.test.ts. */
import { installSignalHandlers } from '../../engine/app/cli/signals.js';
import { testbedCommand } from '../../engine/app/commands/testbed.js';

const signals = installSignalHandlers({ stderr: process.stderr, exit: (code) => process.exit(code) });
const code = await testbedCommand.run(['up', ...process.argv.slice(2)], {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: signals.signal,
  setActiveFaultReporter: signals.setActiveFaultReporter,
});
process.exit(code);
