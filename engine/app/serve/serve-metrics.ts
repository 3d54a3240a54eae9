/**
 * `/metrics`: the control room's own state for Prometheus, in its naming conventions (base
 * units, `_total` counters, `_ratio` for 0..1). A registry of its own (not prom-client's global
 * one), so two servers in one process, as in tests, never share series.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { JournalEvent, PhaseName } from '../../core/journal-events.js';
import type { LiveSlo } from '../../slo/live.js';

const PHASES: readonly PhaseName[] = [
  'validate',
  'plan',
  'setup',
  'preflight',
  'baseline',
  'fault',
  'recovery',
  'rollback',
  'settle',
  'score',
  'done',
];

export class ServeMetrics {
  readonly registry = new Registry();
  readonly #runs = new Counter({
    name: 'squall_runs_total',
    help: 'Runs this server finished, by outcome (passed, slo_breached, aborted, error, rollback_failed, cancelled).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly #active = gauge(
    this.registry,
    'squall_run_active',
    'Whether a run is executing now (1) or not (0).',
  );
  readonly #queued = gauge(this.registry, 'squall_runs_queued', 'Runs waiting for the active one to finish.');
  readonly #paused = gauge(
    this.registry,
    'squall_run_paused',
    'Whether the active run is paused by an operator.',
  );
  readonly #phase = gauge(
    this.registry,
    'squall_run_phase',
    "The active run's phase: 1 for the current one.",
    ['phase'],
  );
  readonly #faults = gauge(
    this.registry,
    'squall_faults_active',
    'Faults injected by the active run and not yet reverted.',
  );
  readonly #sli = gauge(
    this.registry,
    'squall_sli_value',
    "Each SLO's SLI value so far in its window (the SLI's unit: ratio, seconds).",
    ['slo', 'window'],
  );
  readonly #budget = gauge(
    this.registry,
    'squall_slo_budget_remaining_ratio',
    'Error budget left for each SLO per window in the latest scored run (1 untouched, 0 spent, below 0 overspent).',
    ['slo', 'window'],
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
  readonly #faultIds = new Set<string>();

  constructor() {
    this.#active.set(0);
    this.#queued.set(0);
    this.#paused.set(0);
    this.#faults.set(0);
    this.#viewers.set(0);
    for (const phase of PHASES) this.#phase.set({ phase }, 0);
  }

  runStarted(): void {
    this.#active.set(1);
    this.#faultIds.clear();
    this.#faults.set(0);
    this.#sli.reset();
  }

  runEnded(outcome: string): void {
    this.#runs.inc({ outcome });
    this.#active.set(0);
    this.#paused.set(0);
    this.#faultIds.clear();
    this.#faults.set(0);
    for (const phase of PHASES) this.#phase.set({ phase }, 0);
  }

  /** A queued run dropped before it started: counted, and the active run (if any) untouched. */
  runCancelled(): void {
    this.#runs.inc({ outcome: 'cancelled' });
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
    if (e.type === 'phase') for (const phase of PHASES) this.#phase.set({ phase }, phase === e.phase ? 1 : 0);
    else if (e.type === 'fault.injected') this.#faultIds.add(e.faultId);
    else if (e.type === 'fault.reverted') this.#faultIds.delete(e.faultId);
    else if (e.type === 'fault.revert_failed') this.#faultIds.add(e.leftover.faultId);
    else if (e.type === 'verdict') {
      this.#budget.reset();
      for (const slo of e.slos)
        for (const w of slo.windows)
          if (w.budgetConsumed !== null)
            this.#budget.set({ slo: slo.name, window: w.window }, 1 - w.budgetConsumed);
    }
    this.#faults.set(this.#faultIds.size);
  }

  slos(slos: readonly LiveSlo[]): void {
    for (const s of slos) {
      if (s.value === null) continue;
      // Latency SLIs are in ms in Squall; Prometheus' base unit is the second.
      const value = s.unit === 'ms' ? s.value / 1000 : s.value;
      this.#sli.set({ slo: s.name, window: s.window }, value);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}
