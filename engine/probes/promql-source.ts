/**
 * A Prometheus server as a metrics source: the PromQL of the SLOs that read it (`sli: promql`,
 * `sli: promql_ratio`) asked once per slice, at the slice's end time, `delay` after that end
 * (so the scrape covering it has landed). Answers are handed over *dated* to their slice
 * (metrics.ts `DatedCounters`), so a slow Prometheus never shifts a value into the wrong
 * window (docs/measurement.md).
 *
 * Per slice, keyed `<slo>.<key>` (engine/slo/catalog.ts `resolveSloSli`):
 * - a rate query (`good`, `total`): a counter, the rate × the slice's length in seconds;
 * - a value query (`value`): a gauge, the value itself.
 * A query with no answer (no data, rejected, unreachable, slow) leaves its key out of the
 * slice: the slice has no data for that SLO, which scoring treats as nodata, never as good. Each
 * failure is logged where the query is written, once until the query's outcome changes.
 */
import type { DatedCounters, MetricsSource, SourceReading } from '../core/metrics.js';
import type { MetricsSourceSpec } from '../spec/schema.js';
import { type QueryOutcome, queryAt } from './prometheus-api.js';

export interface PromqlQuery {
  /** `<slo>.good`, `<slo>.total` or `<slo>.value`. */
  readonly key: string;
  readonly expr: string;
  /** `rate`: per-second events, × the slice length; `value`: the value as is. */
  readonly kind: 'rate' | 'value';
  /** Where the query is written, `file:line:col slos[0].params.good`, for every message about it. */
  readonly where: string;
}

export interface PromqlSourceOptions {
  /** The runner's slice grid (epoch-aligned). */
  sliceMs: number;
  log: (message: string) => void;
}

/** Slice ends are on the epoch grid; a close may run a little late (or, by a timer, a little early). */
function gridEnd(nowMs: number, sliceMs: number): number {
  return Math.floor((nowMs + sliceMs / 4) / sliceMs) * sliceMs;
}

export function createPromqlSource(
  name: string,
  spec: MetricsSourceSpec['prometheus'],
  queries: readonly PromqlQuery[],
  options: PromqlSourceOptions,
): MetricsSource {
  const { sliceMs, log } = options;
  const ready: DatedCounters[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  /** Slice ends asked for (or waiting to be) and not answered yet. */
  const pendingEnds = new Set<number>();
  const lastOutcome = new Map<string, string>();
  let lastEndMs: number | undefined;
  let stopped = false;

  const report = (q: PromqlQuery, outcome: QueryOutcome) => {
    const said =
      outcome.kind === 'value'
        ? ''
        : outcome.kind === 'nodata'
          ? 'returns no data (an empty result or NaN): its slices have no data'
          : `${outcome.kind === 'rejected' ? 'Prometheus rejected the query' : 'query failed'}: ${outcome.message}`;
    if (lastOutcome.get(q.key) === said) return;
    const before = lastOutcome.get(q.key);
    lastOutcome.set(q.key, said);
    if (said) log(`${q.where}: source '${name}': ${said}`);
    else if (before) log(`${q.where}: source '${name}': answering again`);
  };

  const askFor = async (endMs: number) => {
    const answers = await Promise.all(
      queries.map(async (q) => [q, await queryAt(spec.url, q.expr, endMs, spec.timeout)] as const),
    );
    const dated: DatedCounters = { startMs: endMs - sliceMs, counters: {}, maxGauges: {} };
    for (const [q, outcome] of answers) {
      report(q, outcome);
      if (outcome.kind !== 'value') continue;
      // One value per slice and key, so "the larger value" is that value (metrics.ts maxGauges).
      if (q.kind === 'value') dated.maxGauges![q.key] = outcome.value;
      else dated.counters[q.key] = Math.max(0, outcome.value) * (sliceMs / 1000);
    }
    ready.push(dated);
  };

  const schedule = (endMs: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const p = askFor(endMs).finally(() => {
          inFlight.delete(p);
          pendingEnds.delete(endMs);
        });
        inFlight.add(p);
      },
      Math.max(0, endMs + spec.delay - Date.now()),
    );
    timers.add(timer);
    pendingEnds.add(endMs);
  };

  return {
    name,
    collect(): SourceReading {
      const endMs = gridEnd(Date.now(), sliceMs);
      if (!stopped && queries.length > 0) {
        // Closes that caught up several slices at once still ask for each of them.
        for (let e = lastEndMs === undefined ? endMs : lastEndMs + sliceMs; e <= endMs; e += sliceMs)
          schedule(e);
        lastEndMs = Math.max(lastEndMs ?? endMs, endMs);
      }
      return { dated: ready.splice(0) };
    },
    async settle(untilMs) {
      // Every slice up to the run's end asked and answered, bounded by one query's wait.
      const deadline = Date.now() + spec.delay + spec.timeout + 3 * sliceMs;
      while (Date.now() < deadline) {
        const waiting = [...pendingEnds].some((e) => e <= untilMs);
        if ((lastEndMs ?? 0) >= untilMs && !waiting) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      log(`source '${name}': the last slices were not all answered before the run's end`);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      pendingEnds.clear();
      await Promise.all([...inFlight]);
    },
  };
}
