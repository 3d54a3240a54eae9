/**
 * Key SLIs: the handful of numbers a reader looks for whether or not an SLO names them
 * (availability and latency of each probe; connected ratio, delivery, loss, duplicates,
 * end-to-end latency, reconnect time and throughput of the fleet and its tenants), in each
 * window. Computed with the SLO engine's own reader (engine/slo/measure.ts `readSli`) so a key
 * SLI and an SLO over the same SLI and window give the same number.
 */

import type { Histogram, MetricSlice } from '../engine/core/metrics.js';
import { resolveSli } from '../engine/slo/catalog.js';
import { readSli } from '../engine/slo/measure.js';
import type { ResolvedSli } from '../engine/slo/sli.js';
import { metricKey, WINDOW_NAMES, type WindowName } from '../engine/slo/windows.js';
import type { ReportSlice } from './metric-slices.js';

/** Which SLIs are key, per kind of source (a table, not an if-chain). */
const KEY_SLIS = {
  probe: ['success_ratio', 'latency_p50', 'latency_p99', 'throughput'],
  fleet: [
    'connected_ratio',
    'connect_success_ratio',
    'delivery_ratio',
    'messages_lost',
    'duplicates',
    'out_of_order',
    'e2e_latency_p50',
    'e2e_latency_p99',
    'reconnect_time_p99',
    'data_loss_window',
    'throughput',
  ],
  // Counters only: a tenant's e2e latency would cost a histogram decode per slice per tenant
  // (~0.13 ms each; 30 min × 3 tenants ≈ 0.7 s). An SLO with `source: fleet.<tenant>` has it.
  tenant: ['delivery_ratio', 'messages_lost', 'duplicates'],
} as const;

export interface KeySli {
  /** `api` (a probe), `fleet`, or `fleet.<tenant>`. */
  source: string;
  sli: string;
  unit: string;
  /** Value per window; null where the window had no data (or the run never reached it). */
  windows: Record<WindowName, number | null>;
}

const TENANT_KEY = /^fleet\.[^{]+\{tenant=([^}]+)\}$/;

/** The sources a journal's metrics carry: probes (`<name>.ok` + `<name>.total`), the fleet, tenants. */
export function metricSources(
  slices: readonly MetricSlice[],
): { source: string; kind: keyof typeof KEY_SLIS }[] {
  const probes = new Set<string>();
  const tenants = new Set<string>();
  let fleet = false;
  const seen = new Set<string>();
  for (const s of slices) {
    for (const key of Object.keys(s.counters)) seen.add(key);
    for (const key of Object.keys(s.gauges)) seen.add(key);
  }
  for (const key of seen) {
    const tenant = TENANT_KEY.exec(key);
    if (tenant) tenants.add(tenant[1]!);
    else if (key.startsWith('fleet.')) fleet = true;
    else if (key.endsWith('.total') && seen.has(`${key.slice(0, -'.total'.length)}.ok`))
      probes.add(key.slice(0, -'.total'.length));
  }
  return [
    ...[...probes].sort().map((source) => ({ source, kind: 'probe' as const })),
    ...(fleet ? [{ source: 'fleet', kind: 'fleet' as const }] : []),
    ...[...tenants].sort().map((t) => ({ source: `fleet.${t}`, kind: 'tenant' as const })),
  ];
}

/** Any objective will do: only the value is read (good/total are not reported here). */
const ANY_OBJECTIVE = { op: '>=', value: 0 } as const;

/** One key SLI to compute: its source, name, catalogue entry and histogram key (percentiles). */
export interface KeySliRow {
  source: string;
  name: string;
  sli: ResolvedSli;
  histogramKey: string | undefined;
}

/** The key SLIs this journal's metrics can give (KEY_SLIS per source found). */
export function keySliRows(slices: readonly MetricSlice[]): KeySliRow[] {
  return metricSources(slices).flatMap(({ source, kind }) =>
    KEY_SLIS[kind].map((name) => {
      const sli = resolveSli(name)!;
      const compute = sli.definition.compute;
      const histogramKey =
        compute.measure === 'percentile' ? metricKey(source, compute.histogram) : undefined;
      return { source, name, sli, histogramKey };
    }),
  );
}

/**
 * Each row's value in each window. `merged` holds each window's histograms (metrics-scan.ts
 * decodes every slice once for the key SLIs and the burn chart together).
 */
export function computeKeySlis(
  rows: readonly KeySliRow[],
  slices: readonly ReportSlice[],
  merged: ReadonlyMap<WindowName, ReadonlyMap<string, Histogram>>,
): KeySli[] {
  const inWindow = new Map(WINDOW_NAMES.map((w) => [w, slices.filter((s) => s.windows.includes(w))]));
  return rows.map(({ source, name, sli, histogramKey }) => {
    const windows = {} as Record<WindowName, number | null>;
    for (const w of WINDOW_NAMES) {
      let input: readonly MetricSlice[] = inWindow.get(w)!;
      if (histogramKey) {
        // The window's histogram, merged once (metrics-scan.ts), as one slice for the reader.
        const h = merged.get(w)?.get(histogramKey);
        input = h
          ? [{ startMs: 0, durationMs: 0, counters: {}, gauges: {}, histograms: { [histogramKey]: h } }]
          : [];
      }
      windows[w] = readSli({ sli, source }, ANY_OBJECTIVE, input, false).value;
    }
    return { source, sli: name, unit: sli.definition.unit, windows };
  });
}
