/**
 * Where the stand-in k6 is (bin/k6 → k6-standin.mjs): tests put this folder on PATH, or name
 * the binary in the probe's `k6:` param. The real k6 cannot be installed where they run.
 */
import { join } from 'node:path';

export const STANDIN_BIN = new URL('./bin', import.meta.url).pathname;
export const STANDIN_K6 = join(STANDIN_BIN, 'k6');
