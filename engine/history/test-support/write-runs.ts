/**
 * A writer process for the concurrency test: `node --import tsx write-runs.ts <db> <prefix> <count>`
 * opens the history (migrating it if it is old, as every squall does) and records `count` runs
 * the way `squall run` does, a start and then an end, each its own transaction. Prints
 * `wrote <count>` at the end; any error goes to stderr with exit 1.
 */
import { syntheticRun } from '../../../bench/history-synthetic.js';
import { openHistory } from '../store.js';
import { recordEnd, recordStart } from '../write.js';

const [path, prefix, countText] = process.argv.slice(2);
const count = Number(countText);
const store = openHistory(path!);
for (let i = 0; i < count; i++) {
  const { start, end } = syntheticRun({
    id: `${prefix}-${i}`,
    experiment: `exp-${i % 3}`,
    startedAtMs: Date.now(),
    breached: i % 5 === 0,
    events: 30 + i,
  });
  recordStart(store.db, start);
  recordEnd(store.db, start, end);
}
store.close();
process.stdout.write(`wrote ${count}\n`);
