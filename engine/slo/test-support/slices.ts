/** Builders for hand-computed SLO test vectors: slices on a 1 s grid from t = 0, SLOs with defaults. */

import { createLatencyHistogram, type MetricSlice, recordLatencyMs } from '../../core/metrics.js';
import { parseObjective } from '../../core/units.js';
import type { SloSpec } from '../../spec/schema.js';

export interface SliceSpec {
  counters?: Record<string, number>;
  gauges?: Record<string, number>;
  /** Histogram key → [latency ms, how many samples]. */
  latencies?: Record<string, readonly (readonly [number, number])[]>;
  durationMs?: number;
}

export function slice(startMs: number, spec: SliceSpec = {}): MetricSlice {
  const histograms: MetricSlice['histograms'] = {};
  for (const [key, samples] of Object.entries(spec.latencies ?? {})) {
    const h = createLatencyHistogram();
    for (const [ms, count] of samples) for (let i = 0; i < count; i++) recordLatencyMs(h, ms);
    histograms[key] = h;
  }
  return {
    startMs,
    durationMs: spec.durationMs ?? 1000,
    counters: { ...spec.counters },
    gauges: { ...spec.gauges },
    histograms,
  };
}

/** Consecutive 1 s slices from `t0Ms`. */
export function series(specs: readonly SliceSpec[], t0Ms = 0): MetricSlice[] {
  return specs.map((spec, i) => slice(t0Ms + i * 1000, spec));
}

export function repeat(n: number, spec: SliceSpec): SliceSpec[] {
  return Array.from({ length: n }, () => spec);
}

type SloInput = Omit<Partial<SloSpec>, 'objective' | 'sliceObjective'> & {
  sli: string;
  objective: string;
  sliceObjective?: string;
};

/** An SLO as schema.ts outputs it, with its defaults. */
export function sloSpec(input: SloInput): SloSpec {
  const { objective, sliceObjective, ...rest } = input;
  return {
    name: input.sli.replace(/[^a-z0-9_-]/gi, '_'),
    window: 'run',
    budgeting: 'occurrences',
    weight: 1,
    params: {},
    ...rest,
    objective: parseObjective(objective),
    ...(sliceObjective === undefined ? {} : { sliceObjective: parseObjective(sliceObjective) }),
  };
}
