/**
 * A run as Prometheus metrics (prom-client), fed by the runner's journal events and its live
 * scoreboard (engine/slo/live.ts): what `squall run --metrics-listen` serves, and what a server
 * front end adds to its own /metrics by calling `createRunMetrics` on its registry.
 *
 * Names and units follow https://prometheus.io/docs/practices/naming/ (base units: seconds,
 * ratios 0–1; `_total` for counters; checked by `promtool check metrics` in the tests):
 *
 * | metric | type | labels | meaning |
 * |---|---|---|---|
 * | `squall_runs_total` | counter | outcome | runs ended, by outcome (passed, slo_breached, aborted, error, rollback_failed, invalid; cancelled: dropped from the control room's queue) |
 * | `squall_run_active` | gauge | | 1 while a run is between run.start and run.end |
 * | `squall_run_phase` | gauge | phase | 1 for the current phase, 0 for the others |
 * | `squall_run_elapsed_seconds` | gauge | | since the current run started |
 * | `squall_run_duration_seconds` | histogram | | length of ended runs |
 * | `squall_faults_active` | gauge | | faults injected and not yet reverted |
 * | `squall_faults_injected_total` | counter | | faults injected |
 * | `squall_guard_trips_total` | counter | | guards tripped |
 * | `squall_sli_value` | gauge | slo, window | each SLO's SLI over its window so far (durations in seconds) |
 * | `squall_slo_breaching` | gauge | slo, window | 1 while the SLO does not meet its objective so far |
 * | `squall_slo_budget_remaining_ratio` | gauge | slo, window | 1 − error budget spent so far (below 0: overspent) |
 *
 * Per-SLO series are replaced at every scoreboard update (a window that closes drops out of
 * `window`), and removed at the next run's start.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type JournalEvent, PHASE_NAMES, type PhaseName, RUN_OUTCOMES } from '../core/journal-events.js';
import type { LiveSlo } from '../slo/live.js';

const PHASES: readonly PhaseName[] = PHASE_NAMES;
// `cancelled`: a run queued in the control room and dropped before it started (no run.end).
const OUTCOMES = [...RUN_OUTCOMES, 'cancelled'] as const;

export interface RunMetricsObserver {
  /** Every journal event of the run (the runner's `onEvent`). */
  onEvent(event: JournalEvent): void;
  /** The live scoreboard's rows (the runner's `onProgress(p).slos`). */
  onScoreboard(rows: readonly LiveSlo[]): void;
  /** A queued run dropped before it started: counted as `cancelled`, nothing else touched. */
  onCancelled(): void;
}

/** Registers Squall's run metrics on `registry` and returns what feeds them. */
export function createRunMetrics(registry: Registry): RunMetricsObserver {
  const registers = [registry];
  let startedAtMs: number | undefined;
  const activeFaults = new Set<string>();

  const runs = new Counter({
    name: 'squall_runs_total',
    help: 'Runs ended, by outcome.',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of OUTCOMES) runs.labels(outcome).inc(0);
  const active = new Gauge({ name: 'squall_run_active', help: '1 while a run is going on.', registers });
  const phase = new Gauge({
    name: 'squall_run_phase',
    help: "1 for the run's current phase, 0 for the others.",
    labelNames: ['phase'],
    registers,
  });
  for (const p of PHASES) phase.labels(p).set(0);
  new Gauge({
    name: 'squall_run_elapsed_seconds',
    help: 'Seconds since the current run started (0 between runs).',
    registers,
    collect() {
      this.set(startedAtMs === undefined ? 0 : (Date.now() - startedAtMs) / 1000);
    },
  });
  const duration = new Histogram({
    name: 'squall_run_duration_seconds',
    help: 'Length of ended runs, from run start to run end.',
    buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers,
  });
  const faultsActive = new Gauge({
    name: 'squall_faults_active',
    help: 'Faults injected and not yet reverted.',
    registers,
  });
  const faultsInjected = new Counter({
    name: 'squall_faults_injected_total',
    help: 'Faults injected.',
    registers,
  });
  const guardTrips = new Counter({ name: 'squall_guard_trips_total', help: 'Guards tripped.', registers });
  const sliValue = new Gauge({
    name: 'squall_sli_value',
    help: "Each SLO's SLI over its window so far, in base units (ratios 0-1, durations in seconds, counts).",
    labelNames: ['slo', 'window'],
    registers,
  });
  const breaching = new Gauge({
    name: 'squall_slo_breaching',
    help: 'Whether the SLO does not meet its objective over its window so far (1) or does (0).',
    labelNames: ['slo', 'window'],
    registers,
  });
  const budget = new Gauge({
    name: 'squall_slo_budget_remaining_ratio',
    help: "1 minus the share of the SLO's error budget spent in its window so far; below 0 when overspent.",
    labelNames: ['slo', 'window'],
    registers,
  });

  const setPhase = (current: PhaseName) => {
    for (const p of PHASES) phase.labels(p).set(p === current ? 1 : 0);
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run.start':
          startedAtMs = event.t;
          activeFaults.clear();
          faultsActive.set(0);
          for (const g of [sliValue, breaching, budget]) g.reset();
          active.set(1);
          break;
        case 'phase':
          setPhase(event.phase);
          break;
        case 'fault.injected':
          activeFaults.add(event.faultId);
          faultsInjected.inc();
          faultsActive.set(activeFaults.size);
          break;
        case 'fault.reverted':
          activeFaults.delete(event.faultId);
          faultsActive.set(activeFaults.size);
          break;
        case 'guard.tripped':
          guardTrips.inc();
          break;
        case 'run.end':
          runs.labels(event.outcome).inc();
          if (startedAtMs !== undefined) duration.observe((event.t - startedAtMs) / 1000);
          startedAtMs = undefined;
          active.set(0);
          setPhase('done');
          break;
        default:
          break;
      }
    },
    onCancelled() {
      runs.labels('cancelled').inc();
    },
    onScoreboard(rows) {
      for (const g of [sliValue, breaching, budget]) g.reset();
      for (const row of rows) {
        const labels = { slo: row.name, window: row.window };
        if (row.value !== null) sliValue.set(labels, row.unit === 'ms' ? row.value / 1000 : row.value);
        if (row.state === 'met' || row.state === 'breaching' || row.state === 'pending')
          breaching.set(labels, row.state === 'breaching' ? 1 : 0);
        if (row.budgetRemaining !== undefined && row.budgetRemaining !== null)
          budget.set(labels, row.budgetRemaining);
      }
    },
  };
}
