/**
 * The notifier: alerts from a run's journal, routed by severity, through the delivery queue.
 * What `squall run --notify FILE` and the server share.
 *
 * - `observe(event)`: give it every journal event as it happens (the runner's `onEvent`). A
 *   guard trip and a leftover are sent at once; nothing else is. It never throws and returns
 *   at once, whatever the receivers do: it runs inside the runner's event path.
 * - `runEnded(run)`: after the run (its journal loaded, reports/write.ts `loadRun`): the run's
 *   end, plus any guard trip or leftover `observe` did not see (same ids: not sent twice).
 * - `close()`: waits for deliveries up to the config's `flushTimeout`, reports what is left,
 *   and releases the receivers' connections.
 */

import type { LoadedRun } from '../../reports/write.js';
import type { JournalEvent } from '../core/journal-events.js';
import {
  guardTripNotification,
  leftoverNotification,
  type Notification,
  notificationsForRun,
  type RunContext,
  runContext,
} from './alerts.js';
import type { NotifyConfig } from './config.js';
import { type DeliveryOutcome, DeliveryQueue } from './queue.js';
import { routeNotification } from './router.js';

export interface DeliveryStats {
  delivered: number;
  undelivered: number;
  /** Notifications no route sent anywhere (P4, or no matching route): kept in the history only. */
  unrouted: number;
}

export interface Notifier {
  observe(event: JournalEvent): void;
  runEnded(run: LoadedRun): void;
  /** Routes and queues one notification; how many receivers it was queued for. */
  send(notification: Notification): number;
  /** Waits up to `timeoutMs` (default the config's flushTimeout) for deliveries in flight. */
  flush(timeoutMs?: number): Promise<DeliveryStats>;
  close(): Promise<DeliveryStats>;
}

export interface NotifierOptions {
  /** Every settled delivery: the CLI logs the undelivered ones, a server its metrics. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
  /** A bug in building an alert; the run goes on. */
  onError?: (err: unknown) => void;
}

export function createNotifier(config: NotifyConfig, options: NotifierOptions = {}): Notifier {
  const stats: DeliveryStats = { delivered: 0, undelivered: 0, unrouted: 0 };
  const queue = new DeliveryQueue(config.delivery, (outcome) => {
    if (outcome.delivered) stats.delivered++;
    else stats.undelivered++;
    options.onOutcome?.(outcome);
  });
  let current: RunContext | undefined;
  const guarded = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      options.onError?.(err);
    }
  };
  const send = (notification: Notification): number => {
    const routed = routeNotification(notification, config.routes, config.receivers);
    if (routed.length === 0) stats.unrouted++;
    let queued = 0;
    for (const { receiver, notification: n } of routed)
      if (queue.enqueue(config.receivers.get(receiver)!, n)) queued++;
    return queued;
  };
  const flush = async (timeoutMs = config.delivery.flushTimeoutMs) => {
    await queue.flush(timeoutMs);
    return { ...stats };
  };
  return {
    observe(event) {
      guarded(() => {
        if (event.type === 'run.start') current = runContext(event);
        else if (event.type === 'run.end') current = undefined;
        else if (current && event.type === 'guard.tripped') send(guardTripNotification(current, event));
        else if (current && event.type === 'fault.revert_failed') send(leftoverNotification(current, event));
      });
    },
    runEnded(run) {
      guarded(() => {
        for (const n of notificationsForRun(run)) send(n);
      });
    },
    send,
    flush,
    async close() {
      const result = await flush();
      for (const receiver of config.receivers.values()) receiver.close();
      return result;
    },
  };
}
