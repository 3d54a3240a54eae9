/**
 * The runner-jitter timeline, shared by the benches that ask "what does X cost the runner?"
 * (runner-jitter, notify, serve-live): EVENTS fault starts at SPACING_MS through the real runner
 * and journal, with a no-op injector so only scheduling is measured. `runnerDelays` returns how
 * late each fault started (ms after its planned time); `during` runs when the baseline begins,
 * alongside the timeline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalEvent } from '../engine/core/journal-events.js';
import { createRunner } from '../engine/run/runner.js';
import { Experiment } from '../engine/spec/schema.js';

export const EVENTS = 200;
export const SPACING_MS = 25;
export const HOLD_MS = 10;

export function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export function stats(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1)!,
  };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const experiment = Experiment.parse({
  apiVersion: 'squall/v1',
  kind: 'Experiment',
  metadata: { name: 'runner-jitter' },
  phases: { preflight: '0s', baseline: '200ms', recovery: '200ms' },
  faults: Array.from({ length: EVENTS }, (_, i) => ({
    name: `f${i}`,
    kind: 'bench.noop',
    at: `+${i * SPACING_MS}ms`,
    duration: `${HOLD_MS}ms`,
    target: { process: 'none' },
  })),
});

export async function runnerDelays(
  options: { during?: () => void; onEvent?: (event: JournalEvent) => void } = {},
): Promise<number[]> {
  const calledAtMs = new Map<string, number>();
  const planned = new Map<string, number>();
  const outDir = mkdtempSync(join(tmpdir(), 'squall-runner-timeline-'));
  try {
    const runner = createRunner({
      experiment,
      file: 'bench/runner-timeline',
      outDir,
      environment: async () => ({
        injectors: new Map([
          [
            'local',
            {
              inject: async (req) => {
                calledAtMs.set(req.faultId, performance.timeOrigin + performance.now());
                return { revert: async () => {}, where: 'nowhere', removeCommand: 'none' };
              },
            },
          ],
        ]),
        sources: [],
        teardown: async () => {},
      }),
      onEvent: (e) => {
        if (e.type === 'fault.injected') planned.set(e.faultId, e.plannedT);
        if (e.type === 'phase' && e.phase === 'baseline') options.during?.();
        options.onEvent?.(e);
      },
    });
    const result = await runner.run();
    if (result.exitCode !== 0) throw new Error(`runner exited ${result.exitCode}: ${result.error?.message}`);
    return [...calledAtMs].map(([id, at]) => at - planned.get(id)!);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
