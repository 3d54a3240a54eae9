/**
 * A SYNTHETIC journal of a 100 000-device, 30-minute run, for the report performance test.
 * Synthetic because the fleet simulator cannot yet drive 100k devices through `squall run`
 * (it is being built), and because a real one would take 30 minutes; the events have the shape
 * and size a real run writes (engine/run/journal-events.ts, keys from engine/slo/catalog.ts):
 * one metrics event per second with the fleet counters and gauges, per-tenant counters
 * (`fleet.delivered{tenant=acme}`), and seven HDR histograms (connect, puback, e2e, reconnect,
 * e2e per tenant) encoded as the runner encodes them. The fleet drops to 40 % connected when
 * the broker is killed and reconnects over a minute; e2e latency and loss rise meanwhile.
 */
import type { JournalEvent, SloResult } from '../../engine/run/journal-events.js';
import { createLatencyHistogram, encodeHistogram, recordLatencyMs } from '../../engine/slo/metrics.js';

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

/** A pool of encoded histograms per regime: encoding one per slice would make the test slow, not the report. */
function pool(random: () => number, scaleMs: number, samples: number, size = 8): string[] {
  return Array.from({ length: size }, () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < samples; i++) recordLatencyMs(h, scaleMs * (0.2 + -Math.log(1 - random() * 0.999)));
    return encodeHistogram(h);
  });
}

function summary(hdr: string, count: number, p50: number) {
  return { count, p50, p90: p50 * 2.3, p99: p50 * 4.6, max: p50 * 9, hdr };
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
  const healthy = { e2e: pool(random, 40, 2000), connect: pool(random, 15, 200), puback: pool(random, 12, 2000) };
  const faulty = { e2e: pool(random, 900, 2000), reconnect: pool(random, 20_000, 500) };
  let seq = 0;
  const events: JournalEvent[] = [];
  const push = (e: Record<string, unknown>) => events.push({ seq: seq++, ...e } as unknown as JournalEvent);
  const slos = [
    { name: 'delivery', sli: 'delivery_ratio', source: 'fleet', objective: { op: '>=', value: 0.999, unit: 'ratio', text: '>= 99.9%' }, window: 'run', budgeting: 'occurrences', weight: 1, params: {}, preflight: true },
    { name: 'latency', sli: 'e2e_latency_p99', source: 'fleet', objective: { op: '<=', value: 500, unit: 'ms', text: '<= 500ms' }, window: 'run', budgeting: 'occurrences', weight: 1, params: {}, preflight: true },
    { name: 'connected', sli: 'connected_ratio', source: 'fleet', objective: { op: '>=', value: 0.99, unit: 'ratio', text: '>= 99%' }, window: 'run', budgeting: 'timeslices', weight: 1, params: {}, preflight: true },
  ];
  push({ t: t0 - 5000, type: 'run.start', runId: 'synthetic-100k-30m', experiment: 'broker-crash-herd-100k', file: 'synthetic', spec: { metadata: { name: 'broker-crash-herd-100k', runbook: 'https://runbooks.example/broker-crash' }, slos }, squallVersion: '0.1.0', node: 'v20', host: 'synthetic', plan: { preflightMs, baselineMs, faultMs, recoveryMs } });
  push({ t: t0, type: 'phase', phase: 'preflight' });
  let connected = DEVICES;
  for (let start = t0; start < end; start += 1000) {
    const inFault = start >= faultStart && start < faultEnd;
    const sinceFault = start - faultStart;
    if (start === baselineStart) push({ t: start, type: 'phase', phase: 'baseline' });
    if (start === faultStart) {
      push({ t: start, type: 'phase', phase: 'fault' });
      push({ t: start + 2, type: 'fault.injected', faultId: 'kill-broker-1', name: 'kill-broker', kind: 'process.kill', agent: 'cloud-1', target: { process: 'broker' }, plannedT: start, durationMs: faultMs, where: 'agent cloud-1, process broker', clockOffsetMs: 3 });
    }
    if (start === faultEnd) {
      push({ t: start + 5, type: 'fault.reverted', faultId: 'kill-broker-1', name: 'kill-broker', kind: 'process.kill', attempts: 1 });
      push({ t: start, type: 'phase', phase: 'recovery' });
    }
    // The herd: 60 % drop at the crash, reconnecting over ~60 s (full jitter).
    if (sinceFault === 0) connected = Math.round(DEVICES * 0.4);
    else if (connected < DEVICES) connected = Math.min(DEVICES, connected + Math.round(1000 + random() * 1000));
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
    const latencies: Record<string, ReturnType<typeof summary>> = {
      'fleet.e2e_latency': summary(e2e, expected - lost, inFault ? 900 : 40),
      'fleet.connect_latency': summary(healthy.connect[i]!, 200, 15),
      'fleet.puback_latency': summary(healthy.puback[i]!, expected, 12),
    };
    if (reconnecting > 0) latencies['fleet.reconnect_time'] = summary(faulty.reconnect[i]!, 500, 20_000);
    for (const tenant of TENANTS) latencies[`fleet.e2e_latency{tenant=${tenant}}`] = summary(e2e, Math.round(expected / 3), 40);
    push({
      t: start + 1000,
      type: 'metrics',
      startMs: start,
      durationMs: 1000,
      phase: start < baselineStart ? 'preflight' : start < faultStart ? 'baseline' : start < faultEnd ? 'fault' : 'recovery',
      counters,
      gauges: { 'fleet.connected': connected, 'fleet.target': DEVICES, 'fleet.data_loss_window_ms': inFault ? 4200 : 0 },
      latencies,
    });
  }
  push({ t: end, type: 'phase', phase: 'rollback' });
  push({ t: end + 10, type: 'phase', phase: 'score' });
  const result = (name: string, value: number, unit: string, status: 'met' | 'breached', budgetConsumed: number, s: (typeof slos)[number]): SloResult => ({
    name, sli: s.sli, source: 'fleet', objective: s.objective.text, window: 'run', budgeting: s.budgeting as SloResult['budgeting'], weight: 1,
    status, value, unit, compliance: status === 'met' ? 1 : 0.5, budgetConsumed,
    windows: (['run', 'baseline', 'fault', 'recovery'] as const).map((window) => ({ window, status, value, good: 1, total: 1, budgetConsumed, burnRate: 1 })),
  });
  push({ t: end + 20, type: 'verdict', hypothesis: 'rejected', exitCode: 1, resilienceScore: 71.3, slos: [result('delivery', 0.9962, 'ratio', 'breached', 3.8, slos[0]!), result('latency', 3510, 'ms', 'breached', 1000, slos[1]!), result('connected', 0.955, 'ratio', 'breached', 4.5, slos[2]!)] });
  push({ t: end + 30, type: 'phase', phase: 'done' });
  push({ t: end + 31, type: 'run.end', exitCode: 1, outcome: 'slo_breached' });
  return events;
}
