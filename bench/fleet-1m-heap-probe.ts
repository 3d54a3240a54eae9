/**
 * Loaded into every process of bench/fleet-1m.ts (`NODE_OPTIONS=--import`): on SIGUSR2 it runs
 * a full GC and writes `process.memoryUsage()` to `$FLEET_1M_PROBE_DIR/<pid>.json`, so the
 * bench reads heap per device from shard processes the fleet forks itself (the shard protocol
 * carries no memory figures, and RSS alone is read from /proc).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const dir = process.env.FLEET_1M_PROBE_DIR;
if (dir) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  process.on('SIGUSR2', () => {
    gc();
    gc();
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(process.memoryUsage()));
  });
}
