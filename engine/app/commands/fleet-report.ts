/**
 * What `squall fleet` prints: a live line per second, a summary table, failure messages with
 * the count affected (issue 3 §8), and the `--json` summary.
 */

import { CAUSE_CODE } from '../../../simulator/fleet-metrics.js';
import type { FleetSnapshot } from '../../../simulator/fleet-snapshot.js';
import type { FullReading } from '../../../simulator/readings.js';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { formatNumber, formatSliValue } from '../../core/format.js';
import { type Histogram, percentileMs, type SourceReading } from '../../core/metrics.js';

/** Counts are whole: `4,000`. Latencies read as in every report (engine/core/format.ts). */
const fmt = (n: number) => formatNumber(Math.round(n));
const latency = (v: number | undefined) => (v === undefined ? '-' : formatSliValue(v, 'ms'));
const ms = (h: Histogram | undefined, p: number) => latency(h ? percentileMs(h, p) : undefined);

export type FleetMode = 'conn' | 'pub' | 'sub';

/** One second of activity, e.g. `  12s conn 4,000/10,000 +1,000/s fail 0 | pub 900/s ack 900/s | recv 900/s lost 0 dup 0 e2e p50 0.41 ms p99 2.1 ms`. */
export function liveLine(mode: FleetMode, elapsedS: number, r: SourceReading, snap: FleetSnapshot): string {
  const c = r.counters ?? {};
  const h = r.histograms ?? {};
  const parts = [`${String(elapsedS).padStart(4)}s`];
  if (mode !== 'sub') {
    parts.push(
      `conn ${fmt(snap.connected)}/${fmt(snap.target)} +${fmt(c.connect_ok ?? 0)}/s fail ${fmt(c.connect_failed ?? 0)}` +
        ` p99 ${ms(h.connect_latency, 99)}`,
    );
  }
  if (mode === 'pub') {
    parts.push(`pub ${fmt(c.published ?? 0)}/s ack ${fmt(c.acked ?? 0)}/s p99 ${ms(h.puback_latency, 99)}`);
  }
  if (mode !== 'conn') {
    // With devices, message counts are dated by send time and handed out once settled
    // (delivery-ledger.ts): what settled this second, and what is still in flight.
    const m = r.dated ? settledCounts(r.dated) : c;
    const pending = r.gauges?.pending;
    parts.push(
      `recv ${fmt(m.delivered ?? 0)}/s lost ${fmt(m.lost ?? 0)}${pending ? ` (+${fmt(pending)} pending)` : ''} dup ${fmt(m.duplicates ?? 0)} ooo ${fmt(m.out_of_order ?? 0)}` +
        ` e2e p50 ${ms(h.e2e_latency, 50)} p99 ${ms(h.e2e_latency, 99)}`,
    );
  }
  return parts.join(' | ');
}

function settledCounts(dated: NonNullable<SourceReading['dated']>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const d of dated) for (const [k, v] of Object.entries(d.counters)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

export interface FleetSummaryJson {
  mode: FleetMode;
  durationS: number;
  devices: number;
  connected: number;
  shards: number;
  counters: Record<string, number>;
  latencyMs: Record<
    string,
    { p50?: number; p90?: number; p99?: number; p999?: number; max?: number; count: number }
  >;
  sink?: FleetSnapshot['sink'];
  failures: Array<FleetSnapshot['failures'][number] & { code: ErrorCode; message: string }>;
}

export function summarize(
  mode: FleetMode,
  durationS: number,
  snap: FleetSnapshot,
  run: FullReading,
): FleetSummaryJson {
  const latencyMs: FleetSummaryJson['latencyMs'] = {};
  for (const key of ['connect_latency', 'puback_latency', 'reconnect_time', 'e2e_latency']) {
    const h = run.histograms[key];
    if (!h || h.totalCount === 0) continue;
    latencyMs[key] = {
      p50: percentileMs(h, 50),
      p90: percentileMs(h, 90),
      p99: percentileMs(h, 99),
      p999: percentileMs(h, 99.9),
      max: h.maxValue / 1000,
      count: h.totalCount,
    };
  }
  return {
    mode,
    durationS,
    devices: snap.target,
    connected: snap.connected,
    shards: snap.shards.count,
    counters: snap.totals,
    latencyMs,
    sink: snap.sink,
    failures: snap.failures.map((f) => ({ ...f, ...failureMessage(f, snap.target) })),
  };
}

const CAUSE_TEXT: Record<string, string> = {
  unreachable: 'could not reach the broker',
  timeout: 'timed out connecting',
  refused: 'were refused by the broker',
  tls: 'failed the TLS handshake',
  ports: 'ran out of local ports or file descriptors (add --source-addresses or shards)',
  shard: 'were lost with their shard process',
  closed: 'saw the connection closed',
  protocol: 'got a malformed reply',
  subscribe: 'had a subscription refused by the broker',
};

export function failureMessage(
  f: FleetSnapshot['failures'][number],
  target: number,
): { code: ErrorCode; message: string } {
  const code = CAUSE_CODE[f.cause];
  const who = f.cause === 'shard' ? `${fmt(f.count)} devices` : `${fmt(f.count)} connect attempt(s)`;
  return { code, message: `${who} of ${fmt(target)} devices ${CAUSE_TEXT[f.cause] ?? f.cause}: ${f.detail}` };
}

export function summaryTable(s: FleetSummaryJson): string {
  const rows: Array<[string, string]> = [
    [
      'devices',
      `${fmt(s.connected)} connected of ${fmt(s.devices)}${s.shards > 1 ? ` (${s.shards} shards)` : ''}`,
    ],
    [
      'connects',
      `${fmt(s.counters.connect_ok ?? 0)} ok, ${fmt(s.counters.connect_failed ?? 0)} failed, ${fmt(s.counters.disconnects ?? 0)} disconnects`,
    ],
  ];
  if (s.mode === 'pub') {
    rows.push([
      'published',
      `${fmt(s.counters.published ?? 0)} (${fmt(s.counters.acked ?? 0)} acked, ${fmt(s.counters.dropped_offline ?? 0)} dropped offline)`,
    ]);
  }
  if (s.sink) {
    rows.push([
      'delivered',
      `${fmt(s.sink.delivered)} of ${fmt(s.sink.expected)} expected; lost ${fmt(s.sink.lost)}, duplicates ${fmt(s.sink.duplicates)}, out of order ${fmt(s.sink.out_of_order)}`,
    ]);
    for (const [tenant, t] of Object.entries(s.sink.byTenant)) {
      if (Object.keys(s.sink.byTenant).length > 1)
        rows.push([
          `  ${tenant}`,
          `${fmt(t.delivered)} delivered, ${fmt(t.lost)} lost, ${fmt(t.duplicates)} dup`,
        ]);
    }
  }
  for (const [key, l] of Object.entries(s.latencyMs)) {
    rows.push([
      key.replace('_', ' '),
      `p50 ${latency(l.p50)} · p90 ${latency(l.p90)} · p99 ${latency(l.p99)} · max ${latency(l.max)} (${fmt(l.count)})`,
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  for (const f of s.failures) lines.push(`  ${f.code}: ${f.message}`);
  return `${lines.join('\n')}\n`;
}

/** The summary's one-line description of a code, for `--help`. */
export const FLEET_ERROR_HELP = (
  [
    'SQUALL_FLEET_BROKER_UNREACHABLE',
    'SQUALL_FLEET_CONNECT_REFUSED',
    'SQUALL_FLEET_SUBSCRIBE_FAILED',
    'SQUALL_FLEET_TLS_FAILED',
    'SQUALL_FLEET_PORTS_EXHAUSTED',
    'SQUALL_FLEET_SHARD_CRASHED',
  ] as const
)
  .map((c) => `  ${c}  ${ERROR_CODES[c].summary}`)
  .join('\n');
