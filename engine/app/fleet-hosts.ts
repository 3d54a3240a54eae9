/** What each host of a fleet split across agents reported over the run, one log line per host. */
import type { DistributedFleet } from '../controller/fleet-split.js';

const SHOWN = ['connect_ok', 'published', 'acked', 'shard_crashes'] as const;

export function logHostTotals(fleet: DistributedFleet, log: (message: string) => void): void {
  for (const [agent, totals] of fleet.totalsByAgent()) {
    const parts = SHOWN.filter((k) => totals.counters[k] !== undefined).map(
      (k) => `${k} ${totals.counters[k]}`,
    );
    log(`fleet host '${agent}': ${parts.join(', ') || 'no counts reported'}`);
  }
}
