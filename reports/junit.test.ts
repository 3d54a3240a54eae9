/**
 * junit.xml as CI reads it: parsed by junit2json (xml2js underneath), a JUnit reader from npm,
 * not by our own code. One testcase per SLO, failures carry the numbers.
 */
import { join } from 'node:path';
import { parse, type TestSuites } from 'junit2json';
import { describe, expect, it } from 'vitest';
import { renderJunit } from './junit.js';
import { buildSummary } from './summary.js';
import { loadRun } from './write.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('junit.xml', () => {
  it('has one testcase per SLO and a failure with the numbers for the breached one', async () => {
    const { summary } = loadRun(join(FIXTURES, 'demo-breach', 'journal.jsonl'));
    const parsed = (await parse(renderJunit(summary))) as TestSuites;
    expect(parsed).toMatchObject({ name: 'squall', tests: 3, failures: 1 });
    const suite = parsed.testsuite![0]!;
    expect(suite).toMatchObject({ name: 'demo-latency', tests: 3, failures: 1 });
    expect(suite.testcase!.map((c) => c.name)).toEqual([
      'available: success_ratio >= 99% (run)',
      'fast-enough: latency_p99 <= 500 ms (run)',
      'recovers: time_to_recover <= 2 s (run)',
    ]);
    const failed = suite.testcase!.filter((c) => c.failure);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.failure![0]).toMatchObject({
      type: 'breached',
      message: 'latency_p99 614 ms > 500 ms during the run window; 1,176% of the error budget consumed',
    });
  });

  it('adds a failing testcase per failed rollback and one for an aborted or incomplete run', async () => {
    const { summary } = loadRun(join(FIXTURES, 'demo-pass', 'journal.jsonl'));
    const withLeftover = {
      ...summary,
      leftovers: [
        {
          faultId: 'slow-path-1',
          kind: 'proxy.latency',
          where: 'local agent',
          removeCommand: 'curl -X DELETE http://127.0.0.1:8474/proxies/api/toxics/x',
          error: 'timeout <&>',
        },
      ],
      aborted: { reason: 'guard', detail: "guard 'api-down' tripped" },
    };
    const parsed = (await parse(renderJunit(withLeftover))) as TestSuites;
    const cases = parsed.testsuite![0]!.testcase!;
    expect(cases.map((c) => c.classname)).toEqual([
      'demo-latency.slo',
      'demo-latency.slo',
      'demo-latency.slo',
      'demo-latency.rollback',
      'demo-latency.run',
    ]);
    expect(cases[3]!.failure![0]!.message).toContain(
      'may still be active on local agent: timeout <&>. Remove with: curl',
    );
    expect(cases[4]!.failure![0]!.message).toBe("run aborted (guard): guard 'api-down' tripped");
  });

  it('gives each testcase its real time: an SLO its scored window, the run its duration', async () => {
    const { summary } = loadRun(join(FIXTURES, 'fleet-small-queue', 'journal.jsonl'));
    const parsed = (await parse(renderJunit(summary))) as TestSuites;
    const time = Object.fromEntries(
      parsed.testsuite![0]!.testcase!.map((c) => [c.name!.split(':')[0], c.time]),
    );
    const phase = (p: string) => summary.phases.find((x) => x.phase === p)!.durationMs / 1000;
    expect(time['devices-unaware']).toBe(phase('fault'));
    expect(time['zero-loss']).toBeCloseTo(phase('baseline') + phase('fault') + phase('recovery'), 3);
    expect(time['zero-loss']).toBeGreaterThan(5);

    const failed = loadRun(join(FIXTURES, 'process-fails', 'journal.jsonl')).summary;
    const run = ((await parse(renderJunit(failed))) as TestSuites).testsuite![0]!.testcase![0]!;
    expect(run.time).toBe(failed.durationMs! / 1000);
    expect(run.time).toBeGreaterThan(0);
  });

  it('is valid JUnit for an empty journal', async () => {
    const parsed = (await parse(renderJunit(buildSummary([])))) as TestSuites;
    expect(parsed).toMatchObject({ tests: 1, failures: 1 });
  });
});
