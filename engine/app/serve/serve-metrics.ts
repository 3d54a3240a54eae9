/**
 * `/metrics`: the control room's own state for Prometheus. The run's metrics are the same ones
 * `squall run --metrics-listen` serves (metrics-exposition.ts: runs by outcome, the active run,
 * its phase, active faults, live SLI values and budgets); the server adds its queue, pause,
 * viewers and operator actions. A registry of its own (not prom-client's global one), so two
 * servers in one process, as in tests, never share series.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { JournalEvent } from '../../core/journal-events.js';
import type { LiveSlo } from '../../slo/live.js';
import { createRunMetrics, type RunMetricsObserver } from '../metrics-exposition.js';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly #run: RunMetricsObserver = createRunMetrics(this.registry);
  readonly #queued = gauge(this.registry, 'squall_runs_queued', 'Runs waiting for the active one to finish.');
  readonly #paused = gauge(
    this.registry,
    'squall_run_paused',
    'Whether the active run is paused by an operator.',
  );
  readonly #viewers = gauge(
    this.registry,
    'squall_serve_viewers',
    'Open event streams (browsers watching a run).',
  );
  readonly #dropped = new Counter({
    name: 'squall_serve_viewers_dropped_total',
    help: 'Event streams dropped because the browser fell too far behind (it reconnects and catches up).',
    registers: [this.registry],
  });
  readonly #actions = new Counter({
    name: 'squall_operator_actions_total',
    help: 'Operator actions taken through the control room, by action.',
    labelNames: ['action'],
    registers: [this.registry],
  });

  constructor() {
    this.#queued.set(0);
    this.#paused.set(0);
    this.#viewers.set(0);
  }

  runEnded(): void {
    this.#paused.set(0);
  }

  /** A queued run dropped before it started. */
  runCancelled(): void {
    this.#run.onCancelled();
  }

  queued(count: number): void {
    this.#queued.set(count);
  }

  paused(on: boolean): void {
    this.#paused.set(on ? 1 : 0);
  }

  action(action: 'start' | 'abort' | 'pause' | 'resume' | 'note'): void {
    this.#actions.inc({ action });
  }

  viewers(delta: number): void {
    this.#viewers.inc(delta);
  }

  dropped(): void {
    this.#dropped.inc();
  }

  event(e: JournalEvent): void {
    this.#run.onEvent(e);
  }

  slos(slos: readonly LiveSlo[]): void {
    this.#run.onScoreboard(slos);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function gauge(registry: Registry, name: string, help: string) {
  return new Gauge({ name, help, registers: [registry] });
}
