/**
 * What every ticking probe shares: one attempt every `spec.every` ms (the first at `start()`),
 * never two at once, and the counters SLIs read. An attempt still in flight when the next tick
 * comes is not doubled up: that tick is skipped and counted in `skipped`, and the in-flight
 * attempt is counted once when it finishes (its own timeout bounds it). So `total` counts
 * finished attempts and a hung target shows as `errors`/`timeouts`, not as a pile of requests.
 */
import type { MetricsSource, SourceReading } from '../core/metrics.js';
import { createLatencyHistogram, recordLatencyMs } from '../core/metrics.js';
import type { ProbeSpec } from '../spec/schema.js';

export interface Attempt {
  ok: boolean;
  /** Set when the attempt got a result (an HTTP response, an exit) within the timeout. */
  latencyMs?: number;
  /** Set when it got none: `timeout`, or `failed` (refused, reset, could not spawn). */
  error?: 'timeout' | 'failed';
}

/** Runs one attempt; must settle within about `timeoutMs` and never reject. */
export type AttemptFn = (timeoutMs: number) => Promise<Attempt>;

export function createPeriodicProbe(spec: ProbeSpec, attempt: AttemptFn): MetricsSource {
  const fresh = () => ({ ok: 0, total: 0, errors: 0, timeouts: 0, skipped: 0 });
  let counters = fresh();
  let latency = createLatencyHistogram();
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    if (inFlight) {
      counters.skipped++;
      return;
    }
    inFlight = attempt(spec.timeout)
      .catch((): Attempt => ({ ok: false, error: 'failed' }))
      .then((result) => {
        counters.total++;
        if (result.ok) counters.ok++;
        if (result.error) counters.errors++;
        if (result.error === 'timeout') counters.timeouts++;
        if (result.latencyMs !== undefined) recordLatencyMs(latency, result.latencyMs);
      })
      .finally(() => {
        inFlight = undefined;
      });
  };

  return {
    name: spec.name,
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, spec.every);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
    collect(): SourceReading {
      const reading = { counters: { ...counters }, histograms: { latency } };
      counters = fresh();
      latency = createLatencyHistogram();
      return reading;
    },
  };
}
