/**
 * Operator signals. First SIGINT (Ctrl-C) or SIGTERM: abort gracefully, every fault is rolled
 * back. A second one: print exactly what may still be active and how to remove it, then stop
 * at once — exit 5 if anything may be active, else 3.
 */
import { ExitCode } from '../../core/errors.js';

export interface SignalHandling {
  /** Aborted on the first signal, with `{ reason: 'signal', detail }`. */
  readonly signal: AbortSignal;
  /** Long commands register what may still be active, for the second signal. */
  setActiveFaultReporter(report: () => string[]): void;
  uninstall(): void;
}

export function installSignalHandlers(options: {
  stderr: { write(chunk: string): unknown };
  exit: (code: number) => void;
  target?: NodeJS.EventEmitter;
}): SignalHandling {
  const target = options.target ?? process;
  const controller = new AbortController();
  let reportActive: () => string[] = () => [];
  let received = 0;

  const onSignal = (name: 'SIGINT' | 'SIGTERM') => {
    received++;
    if (received === 1) {
      options.stderr.write(
        `\nsquall: ${name} received, aborting and rolling back every fault${name === 'SIGINT' ? ' (Ctrl-C again to stop at once)' : ''}...\n`,
      );
      controller.abort({ reason: 'signal', detail: `${name} from the operator` });
      return;
    }
    const active = reportActive();
    if (active.length === 0) {
      options.stderr.write('squall: stopped at once; no fault was active.\n');
      options.exit(ExitCode.aborted);
      return;
    }
    options.stderr.write(
      `squall: stopped at once. These faults may STILL BE ACTIVE:\n${active.map((a) => `  - ${a}`).join('\n')}\n`,
    );
    options.exit(ExitCode.rollbackFailed);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  target.on('SIGINT', onInt);
  target.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    setActiveFaultReporter(report) {
      reportActive = report;
    },
    uninstall() {
      target.off('SIGINT', onInt);
      target.off('SIGTERM', onTerm);
    },
  };
}
