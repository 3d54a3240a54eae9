/**
 * The library tests' way to run an experiment: the real CLI (run-experiment.ts), a check that
 * it left no testbed process behind, and its output directory removed after the file's tests.
 * Kept apart from run-experiment.ts, which the herd-compare tool also imports, because it
 * needs vitest.
 */
import { afterAll, expect } from 'vitest';
import { type ExperimentRun, leftoverPids, runExperiment } from './run-experiment.js';

export function libraryRunner() {
  const runs: ExperimentRun[] = [];
  afterAll(() => {
    for (const r of runs) r.cleanup();
  });
  return async (file: string, vars: Record<string, string | number> = {}): Promise<ExperimentRun> => {
    const r = await runExperiment(file, vars);
    runs.push(r);
    expect(leftoverPids(r), 'testbed processes left running').toEqual([]);
    return r;
  };
}
