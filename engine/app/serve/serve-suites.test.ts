/**
 * A suite started from the control room (a real server on a free port, real runs of a short
 * experiment): each experiment is a queued run of its own, in order, the suite's `pause:` waited
 * out between them; pausing holds the next experiment until resume; an abort stops the one
 * running (rolled back: its journal has the revert) and skips the rest.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../core/wait.js';
import { api, type Harness, httpStatus, startHarness, waitFinished } from './test-support/serve-harness.js';

let h: Harness;
let csrf: string;
const mutate = () => ({ 'x-squall-csrf': csrf });

beforeAll(async () => {
  h = await startHarness();
  csrf = (await api(h.base, '/api/session')).body.csrf;
  writeFileSync(
    join(h.library, 'suite.yaml'),
    `apiVersion: squall/v1
kind: Suite
metadata: { name: room-suite }
experiments:
  - file: quick.yaml
  - pause: 1s
  - file: quick.yaml
    name: quick-again
    vars: { down: 300ms }
`,
  );
});
afterAll(async () => {
  await h?.close();
});

const start = async () => {
  const r = await api(h.base, '/api/runs', { body: { file: 'suite.yaml' }, headers: mutate() });
  expect(r.status).toBe(202);
  expect(r.body.runIds).toHaveLength(2);
  return r.body.runIds as [string, string];
};

describe('a suite from the control room', () => {
  it('runs its experiments in order as runs of their own, the pause between them waited out', async () => {
    const [first, second] = await start();
    const one = await waitFinished(h.base, first);
    const two = await waitFinished(h.base, second);
    expect([one.outcome, two.outcome]).toEqual(['passed', 'passed']);
    expect(two.vars).toMatchObject({ down: '300ms' });
    expect(Date.parse(two.startedAt) - Date.parse(one.endedAt)).toBeGreaterThanOrEqual(1000);
  });

  it('a pause holds the next experiment until resume', async () => {
    const [first, second] = await start();
    const one = await waitFinished(h.base, first);
    expect(one.outcome).toBe('passed');
    expect(
      (await api(h.base, `/api/runs/${second}/pause`, { method: 'POST', headers: mutate() })).status,
    ).toBe(200);
    // Its 1 s pause is over, and it still waits while paused.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await api(h.base, `/api/runs/${second}`)).body.state).toBe('queued');
    const resumedAt = Date.now();
    expect(
      (await api(h.base, `/api/runs/${second}/resume`, { method: 'POST', headers: mutate() })).status,
    ).toBe(200);
    const two = await waitFinished(h.base, second);
    expect(two.outcome).toBe('passed');
    expect(Date.parse(two.startedAt)).toBeGreaterThanOrEqual(resumedAt - 50);
  });

  it('abort stops the running experiment (rolled back) and skips the rest', async () => {
    const [first, second] = await start();
    const injected = await waitUntil(async () => (await httpStatus(h.proxyPort).catch(() => 0)) !== 200, {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    expect(injected, 'the first experiment takes the proxy down').toBe(true);
    expect(
      (await api(h.base, `/api/runs/${first}/abort`, { method: 'POST', headers: mutate() })).status,
    ).toBe(200);
    const one = await waitFinished(h.base, first);
    const two = await waitFinished(h.base, second);
    expect([one.outcome, one.exitCode]).toEqual(['aborted', 3]);
    expect(two.outcome).toBe('cancelled');
    // Rolled back: the journal has the revert (the run's own proxy is gone with the run).
    const journal = await fetch(`${h.base}/api/runs/${first}/files/journal.jsonl`);
    expect(await journal.text()).toContain('"type":"fault.reverted"');
  });
});
