/**
 * The runner end to end, in process, on real sockets: a real HTTP service behind a real fault
 * proxy, probed through the proxy. Each test checks the real state after the run (traffic
 * flows through the proxy again), not a flag.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { faultDrivers } from '../../agents/faults/catalog.js';
import { installSignalHandlers } from '../app/cli/signals.js';
import { ExitCode } from '../core/errors.js';
import { defineFaultDriver } from '../core/faults.js';
import type { JournalEvent } from '../core/journal-events.js';
import { readJournal } from './journal.js';
import { experimentYaml, type Harness, httpGet, runYaml, startHarness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const types = (events: readonly JournalEvent[]) => events.map((e) => e.type);

describe('runner', () => {
  it('exits 0 when every SLO holds, with inject and revert journaled and fsynced', async () => {
    const result = await runYaml(
      h,
      experimentYaml(h, {
        faults: `  - { name: slow, kind: proxy.latency, at: +0s, duration: 750ms, target: { proxy: svc-proxy }, params: { latency: 50ms } }`,
        slos: `  - { name: available, sli: success_ratio, source: svc, objective: ">= 99%" }
  - { name: p99, sli: latency_p99, source: svc, objective: "<= 400ms" }`,
      }),
    );
    expect(result.error?.message).toBeUndefined();
    expect(result.exitCode).toBe(ExitCode.ok);
    const { events, defects } = readJournal(result.journalPath);
    expect(defects).toEqual([]);
    const seen = types(events);
    expect(seen[0]).toBe('run.start');
    expect(seen).toContain('fault.injected');
    expect(seen.indexOf('fault.reverted')).toBeGreaterThan(seen.indexOf('fault.injected'));
    expect(seen.at(-1)).toBe('run.end');
    const injected = events.find((e) => e.type === 'fault.injected')!;
    expect(injected.t - (injected as { plannedT: number }).plannedT).toBeLessThan(50);
    expect(h.proxy.toxics()).toEqual([]);
  });

  it('exits 1 when an SLO is breached, and the latency it saw is the latency injected', async () => {
    const result = await runYaml(
      h,
      experimentYaml(h, {
        faults: `  - { name: slow, kind: proxy.latency, at: +0s, duration: 1s, target: { proxy: svc-proxy }, params: { latency: 200ms } }`,
        slos: `  - { name: p50-fault, sli: latency_p50, source: svc, objective: "<= 100ms", window: fault }`,
      }),
    );
    expect(result.verdict?.slos, JSON.stringify(result.verdict?.slos)).toBeDefined();
    expect(result.exitCode, JSON.stringify(result.verdict?.slos[0])).toBe(ExitCode.sloBreached);
    const slo = result.verdict!.slos[0]!;
    expect(slo.status).toBe('breached');
    // 200 ms added downstream on top of a sub-10 ms loopback request.
    expect(slo.value!).toBeGreaterThanOrEqual(195);
    expect(slo.value!).toBeLessThan(260);
    expect(await httpGet(h.proxyPort)).toBe(200);
  });

  it('a guard trip aborts with exit 3 and the fault is reverted (traffic flows again)', async () => {
    const result = await runYaml(
      h,
      experimentYaml(h, {
        phases: '{ preflight: 500ms, baseline: 500ms, recovery: 2s }',
        faults: `  - { name: outage, kind: proxy.down, at: +0s, duration: 5s, target: { proxy: svc-proxy } }`,
        slos: `  - { name: available, sli: success_ratio, source: svc, objective: ">= 99%" }`,
        guards: `  - { name: svc-down, when: "success_ratio < 50%", source: svc, for: 250ms }`,
      }),
    );
    expect(result.exitCode).toBe(ExitCode.aborted);
    expect(result.aborted?.reason).toBe('guard');
    const { events } = readJournal(result.journalPath);
    expect(types(events)).toContain('guard.tripped');
    expect(types(events)).toContain('fault.reverted');
    expect(h.proxy.enabled).toBe(true);
    expect(await httpGet(h.proxyPort)).toBe(200);
    // Aborted well before the 5 s fault would have ended.
    const end = events.at(-1)!.t;
    const injected = events.find((e) => e.type === 'fault.injected')!.t;
    expect(end - injected).toBeLessThan(3000);
  });

  it('SIGTERM during a proxy down rolls back: exit 3 and traffic flows through the proxy again', async () => {
    const stderr: string[] = [];
    const exits: number[] = [];
    const signals = installSignalHandlers({
      stderr: { write: (s: string) => stderr.push(s) },
      exit: (c) => exits.push(c),
    });
    try {
      const running = runYaml(
        h,
        experimentYaml(h, {
          faults: `  - { name: outage, kind: proxy.down, at: +0s, duration: 10s, target: { proxy: svc-proxy } }`,
        }),
        {
          signal: signals.signal,
          onEvent: (e) => {
            if (e.type === 'fault.injected') setTimeout(() => process.kill(process.pid, 'SIGTERM'), 300);
          },
        },
      );
      const result = await running;
      expect(result.exitCode).toBe(ExitCode.aborted);
      expect(result.aborted).toEqual({ reason: 'signal', detail: 'SIGTERM from the operator' });
      expect(stderr.join('')).toContain('SIGTERM received');
      expect(exits).toEqual([]);
      expect(h.proxy.enabled).toBe(true);
      expect(await httpGet(h.proxyPort)).toBe(200);
    } finally {
      signals.uninstall();
    }
  });

  it('a second signal prints what may still be active and how to remove it, then exits 5', async () => {
    const stderr: string[] = [];
    const exits: number[] = [];
    const signals = installSignalHandlers({
      stderr: { write: (s: string) => stderr.push(s) },
      exit: (c) => exits.push(c),
    });
    try {
      signals.setActiveFaultReporter(() => [
        "proxy.down 'outage' on local, proxy svc-proxy\n    remove with: kill -TERM 42",
      ]);
      process.kill(process.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 50));
      expect(signals.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
      process.kill(process.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 50));
      expect(exits).toEqual([ExitCode.rollbackFailed]);
      expect(stderr.join('')).toContain('STILL BE ACTIVE');
      expect(stderr.join('')).toContain('remove with: kill -TERM 42');
    } finally {
      signals.uninstall();
    }
  });

  it('the preflight gate stops the run before any injection when steady state does not hold (exit 3)', async () => {
    h.proxy.addToxic({ type: 'down' });
    const result = await runYaml(
      h,
      experimentYaml(h, {
        faults: `  - { name: slow, kind: proxy.latency, at: +0s, duration: 500ms, target: { proxy: svc-proxy }, params: { latency: 50ms } }`,
        slos: `  - { name: available, sli: success_ratio, source: svc, objective: ">= 99%" }`,
      }),
    );
    expect(result.exitCode).toBe(ExitCode.aborted);
    expect(result.aborted?.reason).toBe('preflight');
    expect(result.error?.code).toBe('SQUALL_PREFLIGHT_FAILED');
    const { events } = readJournal(result.journalPath);
    expect(types(events)).not.toContain('fault.injected');
    expect(events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase)).not.toContain(
      'baseline',
    );
  });

  it('a revert that keeps failing exits 5 and names the leftover, where it lives and how to remove it', async () => {
    if (!faultDrivers.has('test.stuck')) {
      // The catalog is a generated list (agents/faults/catalog.ts): a test-only driver is registered by hand.
      faultDrivers.register(
        defineFaultDriver({
          name: 'test.stuck',
          summary: 'test-only: a fault whose revert always fails',
          params: z.strictObject({}),
          targets: ['proxy'],
          inject: async () => ({
            where: 'the moon',
            removeCommand: 'squall-test unstick --all',
            revert: async () => {
              throw new Error('revert refused');
            },
          }),
        }),
      );
    }
    const result = await runYaml(
      h,
      experimentYaml(h, {
        faults: `  - { name: stuck, kind: test.stuck, at: +0s, duration: 250ms, target: { proxy: svc-proxy } }`,
      }),
    );
    expect(result.exitCode).toBe(ExitCode.rollbackFailed);
    expect(result.outcome).toBe('rollback_failed');
    expect(result.leftovers).toHaveLength(1);
    expect(result.leftovers[0], JSON.stringify(result.leftovers[0])).toMatchObject({
      kind: 'test.stuck',
      where: 'local agent, the moon',
      removeCommand: 'squall-test unstick --all',
    });
    expect(result.leftovers[0]!.error).toContain('revert refused');
    const journal = readFileSync(result.journalPath, 'utf8');
    expect(journal).toContain('"type":"fault.revert_failed"');
  });
});
