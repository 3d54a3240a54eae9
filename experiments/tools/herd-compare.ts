/**
 * Compares broker-crash-herd runs from their journals: peak connect rate the broker saw after
 * the crash (attempts and successes per 1 s slice), time to recover, reconnect p99, verdict.
 *
 *   npx tsx experiments/tools/herd-compare.ts runs/herd-immediate runs/herd-full-jitter \
 *     [--out bench/results/herd-100k.json]
 */
import { writeFileSync } from 'node:fs';
import { peakPerSecond, readRun } from '../test-support/run-experiment.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const dirs = outAt < 0 ? args : args.filter((_, i) => i !== outAt && i !== outAt + 1);
if (dirs.length === 0) {
  console.error('usage: herd-compare.ts <run dir>... [--out file.json]');
  process.exit(2);
}

const runs = dirs.map((dir) => {
  const r = readRun(dir);
  const start = r.journal.find((e) => e.type === 'run.start') as unknown as {
    spec: { fleet?: { devices?: number; reconnect?: { strategy: string; base: number; cap: number } } };
  };
  const fleet = start?.spec.fleet;
  const value = (name: string) => r.summary.slos.find((s) => s.name === name)?.value ?? null;
  return {
    dir,
    strategy: fleet?.reconnect?.strategy,
    baseMs: fleet?.reconnect?.base,
    capMs: fleet?.reconnect?.cap,
    devices: fleet?.devices,
    exitCode: r.summary.exitCode,
    outcome: r.summary.outcome,
    peakConnectAttemptsPerS: peakPerSecond(r, 'fleet.connect_attempts', true),
    peakConnectsOkPerS: peakPerSecond(r, 'fleet.connect_ok', true),
    timeToRecoverMs: value('every-device-back'),
    reconnectP99Ms: value('reconnect-p99'),
  };
});
const text = `${JSON.stringify({ experiment: 'broker-crash-herd', at: new Date().toISOString(), runs }, null, 2)}\n`;
if (out) writeFileSync(out, text);
process.stdout.write(text);
