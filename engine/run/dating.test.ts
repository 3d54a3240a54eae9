/**
 * Oracle tests for the dating rule (docs/measurement.md) on a real broker: Debian mosquitto,
 * the real runner and environment, a real fault proxy between the devices and the broker (the
 * sink subscribes at the broker directly), QoS 0 telemetry at a known rate.
 *
 * The physics: `proxy.down` closes every device connection and refuses new ones for 4 s.
 * With `offline: drop`, every telemetry slot of those 4 s is a reading that is never sent:
 * DEVICES × 4 s / EVERY readings, all of them sent (dated) inside the fault window. Devices are
 * back within the reconnect cap after the heal, so the slots they miss then (in recovery) are
 * at most DEVICES × (cap + a connect) / EVERY; a reading already in the proxy when it closes
 * is lost too, one per device at most, at the end of the baseline.
 *
 *   1. ≥ 90 % of the computed loss lands in the fault window, and the run's total loss is
 *      within [computed − DEVICES, computed + DEVICES × 400 ms / EVERY + DEVICES].
 *   2. A `messages_lost > 0` guard aborts the run within grace + 2 s of the loss starting.
 *
 * Needs: mosquitto (Debian's, installed by .ci/run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type MosquittoBroker, startMosquitto } from '../../simulator/test-support/brokers.js';
import { createDefaultEnvironment } from '../app/environment.js';
import { ExitCode } from '../core/errors.js';
import type { JournalEvent, MetricsEvent, VerdictEvent } from '../core/journal-events.js';
import { freePort } from '../core/ports.js';
import { Experiment } from '../spec/schema.js';
import { createRunner } from './runner.js';

const DEVICES = 40;
const EVERY_MS = 100;
const FAULT_MS = 4000;
const GRACE_MS = 2000;
const COMPUTED_LOSS = (DEVICES * FAULT_MS) / EVERY_MS; // 1 600

let broker: MosquittoBroker;
let outDir: string;
beforeEach(async () => {
  broker = await startMosquitto();
  outDir = mkdtempSync(join(tmpdir(), 'squall-dating-'));
});
afterEach(async () => {
  await broker.close();
  rmSync(outDir, { recursive: true, force: true });
});

async function experiment(extra: { guards?: string } = {}) {
  const proxyPort = await freePort();
  return Experiment.parse(
    parseYaml(`apiVersion: squall/v1
kind: Experiment
metadata: { name: dating-oracle }
system:
  brokers:
    direct: mqtt://127.0.0.1:${broker.port}
    via-proxy: mqtt://127.0.0.1:${proxyPort}
  proxies:
    uplink: { listen: 127.0.0.1:${proxyPort}, upstream: 127.0.0.1:${broker.port} }
fleet:
  devices: ${DEVICES}
  broker: via-proxy
  rampUp: 2000/s
  telemetry: { every: ${EVERY_MS}ms, qos: 0, topic: "t/{index}", offline: drop }
  reconnect: { strategy: exponential, base: 50ms, cap: 200ms }
  sink: { broker: direct, qos: 0, grace: ${GRACE_MS}ms }
  shards: 0
phases: { preflight: 1s, baseline: 2s, recovery: 3s }
faults:
  - { name: cut, kind: proxy.down, at: +0s, duration: ${FAULT_MS}ms, target: { proxy: uplink } }
slos:
  - { name: zero-loss, sli: messages_lost, objective: "== 0" }
guards:
${extra.guards ?? '  []'}
`),
  );
}

async function run(exp: Experiment) {
  const runner = createRunner({
    experiment: exp,
    file: 'dating.yaml',
    outDir,
    environment: createDefaultEnvironment(),
    revertPolicy: { attempts: 2, backoffMs: 20 },
  });
  const result = await runner.run();
  const { readJournal } = await import('./journal.js');
  return { result, events: readJournal(result.journalPath).events };
}

/** Σ of a counter per phase, with the dated amendments applied to the slice they name. */
function perPhase(events: readonly JournalEvent[], key: string): Record<string, number> {
  const slices = events.filter((e): e is MetricsEvent => e.type === 'metrics');
  const phaseOf = new Map(slices.map((s) => [s.startMs, s.phase]));
  const out: Record<string, number> = {};
  const add = (startMs: number, v: number | undefined) => {
    const p = phaseOf.get(startMs);
    if (p && v) out[p] = (out[p] ?? 0) + v;
  };
  for (const s of slices) {
    add(s.startMs, s.counters[key]);
    for (const d of s.dated ?? []) add(d.startMs, d.counters[key]);
  }
  return out;
}

describe('dating rule oracles (mosquitto, QoS 0 partition)', () => {
  it('a 4 s cut at a known rate puts >= 90% of the computed loss in the fault window', async () => {
    const { result, events } = await run(await experiment());
    expect(result.exitCode).toBe(ExitCode.sloBreached);
    const lost = perPhase(events, 'fleet.lost');
    const total = Object.values(lost).reduce((a, b) => a + b, 0);
    const verdict = events.find((e): e is VerdictEvent => e.type === 'verdict')!;
    const zeroLoss = verdict.slos.find((s) => s.name === 'zero-loss')!;
    console.log(
      `dating oracle: computed ${COMPUTED_LOSS}, lost by phase ${JSON.stringify(lost)}, scored ${zeroLoss.value}`,
    );
    expect(lost.fault ?? 0).toBeGreaterThanOrEqual(0.9 * COMPUTED_LOSS);
    expect(lost.fault ?? 0).toBeLessThanOrEqual(COMPUTED_LOSS + DEVICES);
    expect(total).toBeGreaterThanOrEqual(COMPUTED_LOSS - DEVICES);
    expect(total).toBeLessThanOrEqual(COMPUTED_LOSS + (DEVICES * 400) / EVERY_MS + DEVICES);
    // The scored value is the run window's, and the fault window's matches the journal.
    expect(zeroLoss.value).toBe(total - (lost.preflight ?? 0) - (lost.rollback ?? 0) - (lost.settle ?? 0));
    expect(zeroLoss.windows.find((w) => w.window === 'fault')!.value).toBe(lost.fault);
    // Loss was never counted outside the run's windows, and every slice is settled.
    expect(lost.rollback ?? 0).toBe(0);
    const expected = perPhase(events, 'fleet.expected');
    const delivered = perPhase(events, 'fleet.delivered');
    for (const phase of ['baseline', 'fault', 'recovery'])
      expect(expected[phase], phase).toBe((delivered[phase] ?? 0) + (lost[phase] ?? 0));
  }, 60_000);

  it('a messages_lost guard aborts the run within grace + 2 s of the loss starting', async () => {
    const { result, events } = await run(
      await experiment({ guards: '  - { name: no-loss, when: "messages_lost > 0", for: 0s }' }),
    );
    expect(result.exitCode).toBe(ExitCode.aborted);
    const injected = events.find((e) => e.type === 'fault.injected')!;
    const tripped = events.find((e) => e.type === 'guard.tripped')!;
    const afterMs = tripped.t - injected.t;
    console.log(`dating oracle: guard tripped ${afterMs} ms after the loss began (grace ${GRACE_MS} ms)`);
    expect(afterMs).toBeGreaterThan(0);
    expect(afterMs).toBeLessThanOrEqual(GRACE_MS + 2000);
    // Rolled back on the guard: the fault ended early, before its planned 4 s.
    const reverted = events.find((e) => e.type === 'fault.reverted')!;
    expect(reverted.t - injected.t).toBeLessThan(FAULT_MS);
  }, 60_000);
});
