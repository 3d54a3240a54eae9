/**
 * A SYNTHETIC journal of a 100 000-device, 30-minute run, for the report performance test.
 * Synthetic because the fleet simulator cannot yet drive 100k devices through `squall run`
 * (it is being built), and because a real one would take 30 minutes; the events have the shape
 * and size a real run writes (engine/core/journal-events.ts, keys from engine/slo/catalog.ts):
 * one metrics event per second with the fleet counters and gauges, per-tenant counters
 * (`fleet.delivered{tenant=acme}`), and seven HDR histograms (connect, puback, e2e, reconnect,
 * e2e per tenant) encoded as the runner encodes them. The fleet drops to 40 % connected when
 * the broker is killed and reconnects over a minute; e2e latency and loss rise meanwhile.
 */
import type { JournalEvent } from '../../engine/core/journal-events.js';
import {
  createLatencyHistogram,
  encodeHistogram,
  type Histogram,
  type MetricSlice,
  recordLatencyMs,
} from '../../engine/core/metrics.js';
import { scoreRun } from '../../engine/slo/score.js';
import { Slo } from '../../engine/spec/schema.js';

const TENANTS = ['acme', 'globex', 'initech'] as const;
const DEVICES = 100_000;

/** Deterministic PRNG (mulberry32) so the journal is the same on every machine. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pool of histograms per regime: encoding one per slice would make the test slow, not the report. */
function pool(random: () => number, scaleMs: number, samples: number, size = 8) {
  return Array.from({ length: size }, () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < samples; i++) recordLatencyMs(h, scaleMs * (0.2 + -Math.log(1 - random() * 0.999)));
    return { h, hdr: encodeHistogram(h) };
  });
}

function summary(entry: { hdr: string }, count: number, p50: number) {
  return { count, p50, p90: p50 * 2.3, p99: p50 * 4.6, max: p50 * 9, hdr: entry.hdr };
}

export function syntheticFleetJournal(): JournalEvent[] {
  const random = prng(42);
  const t0 = Date.UTC(2026, 10, 28, 4, 0, 0);
  const preflightMs = 30_000;
  const baselineMs = 600_000;
  const faultMs = 300_000;
  const recoveryMs = 900_000;
  const baselineStart = t0 + preflightMs;
  const faultStart = baselineStart + baselineMs;
  const faultEnd = faultStart + faultMs;
  const end = faultEnd + recoveryMs;
  const healthy = {
    e2e: pool(random, 40, 2000),
    connect: pool(random, 15, 200),
    puback: pool(random, 12, 2000),
  };
  const faulty = { e2e: pool(random, 900, 2000), reconnect: pool(random, 20_000, 500) };
  let seq = 0;
  const events: JournalEvent[] = [];
  const push = (e: Record<string, unknown>) => events.push({ seq: seq++, ...e } as unknown as JournalEvent);
  // Parsed by the real schema, as the runner journals them.
  const slos = [
    { name: 'delivery', sli: 'delivery_ratio', objective: '>= 99.9%' },
    { name: 'latency', sli: 'e2e_latency_p99', objective: '<= 500ms', window: 'baseline' },
    {
      name: 'connected',
      sli: 'connected_ratio',
      objective: '>= 99%',
      budgeting: 'timeslices',
      sliceObjective: '>= 95%',
    },
    { name: 'acme-delivery', sli: 'delivery_ratio', source: 'fleet.acme', objective: '>= 99%' },
    {
      name: 'recovers',
      sli: 'time_to_recover',
      objective: '<= 2m',
      params: { of: 'connected_ratio', objective: '>= 99%', stable: '10s' },
    },
  ].map((slo) => Slo.parse(slo));
  /** The same slices for the engine's scoring, histograms as objects (metrics.ts). */
  const scored: MetricSlice[] = [];
  push({
    t: t0 - 5000,
    type: 'run.start',
    runId: 'synthetic-100k-30m',
    experiment: 'broker-crash-herd-100k',
    file: 'synthetic',
    spec: {
      metadata: { name: 'broker-crash-herd-100k', runbook: 'https://runbooks.example/broker-crash' },
      slos,
    },
    squallVersion: '0.1.0',
    node: 'v20',
    host: 'synthetic',
    plan: { preflightMs, baselineMs, faultMs, recoveryMs },
  });
  push({ t: t0, type: 'phase', phase: 'preflight' });
  let connected = DEVICES;
  for (let start = t0; start < end; start += 1000) {
    const inFault = start >= faultStart && start < faultEnd;
    const sinceFault = start - faultStart;
    if (start === baselineStart) push({ t: start, type: 'phase', phase: 'baseline' });
    if (start === faultStart) {
      push({ t: start, type: 'phase', phase: 'fault' });
      push({
        t: start + 2,
        type: 'fault.injected',
        faultId: 'kill-broker-1',
        name: 'kill-broker',
        kind: 'process.kill',
        agent: 'cloud-1',
        target: { process: 'broker' },
        plannedT: start,
        durationMs: faultMs,
        where: 'agent cloud-1, process broker',
        clockOffsetMs: 3,
      });
    }
    if (start === faultEnd) {
      push({
        t: start + 5,
        type: 'fault.reverted',
        faultId: 'kill-broker-1',
        name: 'kill-broker',
        kind: 'process.kill',
        attempts: 1,
      });
      push({ t: start, type: 'phase', phase: 'recovery' });
    }
    // The herd: 60 % drop at the crash, reconnecting over ~60 s (full jitter).
    if (sinceFault === 0) connected = Math.round(DEVICES * 0.4);
    else if (connected < DEVICES)
      connected = Math.min(DEVICES, connected + Math.round(1000 + random() * 1000));
    const reconnecting = DEVICES - connected;
    const expected = 10_000;
    const lost = inFault && sinceFault < 60_000 ? Math.round(reconnecting * 0.05) : 0;
    const counters: Record<string, number> = {
      'fleet.connect_attempts': reconnecting > 0 ? 2500 : 3,
      'fleet.connect_ok': reconnecting > 0 ? 1500 : 3,
      'fleet.published': expected,
      'fleet.expected': expected,
      'fleet.delivered': expected - lost,
      'fleet.lost': lost,
      'fleet.duplicates': inFault ? Math.round(random() * 40) : 0,
      'fleet.out_of_order': inFault ? Math.round(random() * 10) : 0,
    };
    for (const tenant of TENANTS) {
      for (const m of ['expected', 'delivered', 'lost', 'duplicates', 'out_of_order']) {
        counters[`fleet.${m}{tenant=${tenant}}`] = Math.round((counters[`fleet.${m}`] ?? 0) / TENANTS.length);
      }
    }
    const i = Math.floor(random() * 8);
    const e2e = (inFault && sinceFault < 90_000 ? faulty : healthy).e2e[i]!;
    const histograms: Record<string, Histogram> = {
      'fleet.e2e_latency': e2e.h,
      'fleet.connect_latency': healthy.connect[i]!.h,
      'fleet.puback_latency': healthy.puback[i]!.h,
    };
    const latencies: Record<string, ReturnType<typeof summary>> = {
      'fleet.e2e_latency': summary(e2e, expected - lost, inFault ? 900 : 40),
      'fleet.connect_latency': summary(healthy.connect[i]!, 200, 15),
      'fleet.puback_latency': summary(healthy.puback[i]!, expected, 12),
    };
    if (reconnecting > 0) {
      latencies['fleet.reconnect_time'] = summary(faulty.reconnect[i]!, 500, 20_000);
      histograms['fleet.reconnect_time'] = faulty.reconnect[i]!.h;
    }
    for (const tenant of TENANTS) {
      latencies[`fleet.e2e_latency{tenant=${tenant}}`] = summary(e2e, Math.round(expected / 3), 40);
      histograms[`fleet.e2e_latency{tenant=${tenant}}`] = e2e.h;
    }
    const gauges = {
      'fleet.connected': connected,
      'fleet.target': DEVICES,
      'fleet.data_loss_window_ms': inFault ? 4200 : 0,
    };
    scored.push({ startMs: start, durationMs: 1000, counters, gauges, histograms });
    push({
      t: start + 1000,
      type: 'metrics',
      startMs: start,
      durationMs: 1000,
      phase:
        start < baselineStart
          ? 'preflight'
          : start < faultStart
            ? 'baseline'
            : start < faultEnd
              ? 'fault'
              : 'recovery',
      counters,
      gauges,
      latencies,
    });
  }
  push({ t: end, type: 'phase', phase: 'rollback' });
  push({ t: end + 10, type: 'phase', phase: 'score' });
  // The verdict as the runner would score it: the engine's own scoring over the same slices.
  const score = scoreRun({
    slos,
    slices: scored.filter((x) => x.startMs >= baselineStart),
    phases: {
      run: [baselineStart, end],
      baseline: [baselineStart, faultStart],
      fault: [faultStart, faultEnd],
      recovery: [faultEnd, end],
    },
    faults: [{ name: 'kill-broker', startMs: faultStart, endMs: faultEnd, instantaneous: true }],
  });
  const exitCode = score.hypothesis === 'holds' ? 0 : 1;
  push({
    t: end + 20,
    type: 'verdict',
    hypothesis: score.hypothesis,
    exitCode,
    resilienceScore: score.resilienceScore,
    slos: score.slos,
  });
  push({ t: end + 30, type: 'phase', phase: 'done' });
  push({ t: end + 31, type: 'run.end', exitCode, outcome: exitCode === 0 ? 'passed' : 'slo_breached' });
  return events;
}
