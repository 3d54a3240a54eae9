/**
 * The runner's metrics clock: closes one slice per `sliceMs` on the grid (slices start at
 * multiples of `sliceMs`, so a source can date counts by the slice they belong to), and lets
 * the runner close the slices due *now* before it changes anything (`closeThrough`): the slice
 * that ends at the planned end of the run is read while the fleet still runs, not after the
 * teardown started (which would score the teardown as an outage).
 */
import type { MetricSlice } from '../core/metrics.js';
import type { MetricsCollector } from './metrics-collector.js';
import { sleepUntil } from './timing.js';

export class MetricsLoop {
  readonly #collector: MetricsCollector;
  readonly #sliceMs: number;
  readonly #onSlice: (slice: MetricSlice) => void;
  readonly #stop = new AbortController();
  #nextMs: number;
  #loop: Promise<void> | undefined;

  constructor(
    collector: MetricsCollector,
    options: { startMs: number; sliceMs: number; onSlice: (slice: MetricSlice) => void },
  ) {
    this.#collector = collector;
    this.#sliceMs = options.sliceMs;
    this.#onSlice = options.onSlice;
    this.#nextMs = options.startMs + options.sliceMs;
  }

  start(): void {
    this.#loop ??= (async () => {
      for (;;) {
        try {
          await sleepUntil(this.#nextMs, this.#stop.signal);
        } catch {
          return;
        }
        this.closeThrough(Date.now());
      }
    })();
  }

  /** Closes every slice that ends at or before `ms` (and is due: not in the future). */
  closeThrough(ms: number): void {
    const limit = Math.min(ms, Date.now());
    while (this.#nextMs <= limit) {
      this.#onSlice(this.#collector.close(this.#nextMs));
      this.#nextMs += this.#sliceMs;
    }
  }

  /** Stops the clock and closes the last, partial slice (what the sources said on stopping). */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    this.closeThrough(Date.now());
    this.#onSlice(this.#collector.close(Date.now()));
  }
}
