/**
 * `--notify FILE` for `squall run` (experiments and suites): the notification config is loaded
 * and checked before anything runs (a bad one is exit 2, its issues positioned), journal events
 * go to the notifier as they happen, each finished run is handed over with its journal, and at
 * the end squall waits for deliveries at most the config's flushTimeout. Nothing here changes
 * an exit code: an alert that cannot be delivered is logged on stderr (SQUALL_NOTIFY_UNDELIVERED).
 */
import { resolve } from 'node:path';
import { type LoadedRun, loadRun } from '../../../reports/write.js';
import { escapeControlLines } from '../../core/escape.js';
import type { JournalEvent } from '../../core/journal-events.js';
import { loadNotifyConfig } from '../../notify/config.js';
import { createNotifier } from '../../notify/notifier.js';
import type { DeliveryOutcome } from '../../notify/queue.js';
import type { CliIO } from '../cli/command.js';
import { orReportIssues } from './vars.js';

export const NOTIFY_FLAG_HELP = `  --notify FILE      Send alerts as FILE routes them by severity: the run's end, guard
                     trips, faults left active (README "Alerts"); never changes the exit code`;

export interface RunNotifier {
  observe(event: JournalEvent): void;
  /** A run that finished and wrote its journal; `loaded` when the caller has read it already. */
  runEnded(journalPath: string, loaded?: LoadedRun): void;
  /** Waits for deliveries (bounded), then logs what could not be delivered. */
  close(): Promise<void>;
}

/** The notifier of `--notify FILE`, undefined without the flag, 'invalid' after reporting its issues. */
export async function openRunNotifier(
  file: string | undefined,
  io: CliIO,
): Promise<RunNotifier | 'invalid' | undefined> {
  if (file === undefined) return undefined;
  const config = await orReportIssues(io, file, () =>
    loadNotifyConfig(resolve(io.cwd, file), { env: io.env, label: file }),
  );
  if (!config) return 'invalid';
  const failed: DeliveryOutcome[] = [];
  const log = (line: string) => io.stderr.write(`${escapeControlLines(line)}\n`);
  const notifier = createNotifier(config, {
    onOutcome: (o) => {
      if (!o.delivered) failed.push(o);
    },
    onError: (err) => log(`squall: could not build an alert: ${(err as Error)?.message ?? String(err)}`),
  });
  return {
    observe: (event) => notifier.observe(event),
    runEnded(journalPath, loaded) {
      try {
        notifier.runEnded(loaded ?? loadRun(journalPath));
      } catch (err) {
        log(`squall: no alerts for ${journalPath}: ${(err as Error).message} [SQUALL_NOTIFY_UNDELIVERED]`);
      }
    },
    async close() {
      const stats = await notifier.close();
      for (const o of failed)
        log(
          `squall: alert '${o.title}' not delivered to receiver '${o.receiver}' after ${o.attempts} attempt(s): ${o.error} [SQUALL_NOTIFY_UNDELIVERED]`,
        );
      if (stats.delivered + stats.undelivered > 0)
        log(`notifications (${file}): ${stats.delivered} delivered, ${stats.undelivered} undelivered`);
    },
  };
}
