/**
 * The preflight gate checks steady state only: a real run (the CLI in a child process, the
 * embedded loopback testbed, a 20-device fleet) whose one SLO can hold only under the fault,
 * `e2e_latency_p50 >= 195ms` in the fault window, is not aborted at preflight; the fault is
 * injected and the SLO is scored in its window. Needs: Node only.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ExperimentRun, runExperiment } from '../../experiments/test-support/run-experiment.js';
import { ExitCode } from '../core/errors.js';

const runs: ExperimentRun[] = [];
afterAll(() => {
  for (const r of runs) r.cleanup();
});

describe('preflight by window', () => {
  it('a fault-window SLO that cannot hold at rest does not abort the run at preflight', async () => {
    const r = await runExperiment('engine/run/fixtures/fault-window-latency.yaml');
    runs.push(r);
    expect(r.output).not.toMatch(/preflight gate: steady state does not hold/);
    expect(
      r.journal.some((e) => e.type === 'fault.injected'),
      r.output,
    ).toBe(true);
    expect(r.code, r.output).toBe(ExitCode.ok);
    // 200 ms on the consumer's link, on top of loopback's few ms.
    expect(r.slo('slow-under-fault').status, r.output).toBe('met');
  }, 60_000);
});
