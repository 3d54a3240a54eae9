/**
 * The journal's one event union. `journal.jsonl` holds one event per line and is
 * the only input reports need. Every event carries `t` (epoch ms, controller clock) and `seq`.
 */
import type { Leftover } from './errors.js';

interface Base {
  seq: number;
  /** Epoch ms on the controller clock. */
  t: number;
}

/** A run's phases, in the order a run goes through them. */
export const PHASE_NAMES = [
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
] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

/** How a run can end (`run.end`). */
export const RUN_OUTCOMES = [
  'passed',
  'slo_breached',
  'aborted',
  'error',
  'rollback_failed',
  'invalid',
] as const;

export interface RunStartEvent extends Base {
  type: 'run.start';
  runId: string;
  experiment: string;
  file: string;
  /** Experiment as loaded (units converted), for reports. */
  spec: unknown;
  /** The file `metadata.runbook` names, as found when the run started (engine/spec/runbook.ts). */
  runbook?: { path: string; repoPath: string | null };
  squallVersion: string;
  node: string;
  host: string;
  /** Planned phase offsets relative to the start of the baseline (ms). */
  plan: { baselineMs: number; faultMs: number; recoveryMs: number; preflightMs: number };
}

export interface PhaseEvent extends Base {
  type: 'phase';
  phase: PhaseName;
}

export interface FaultInjectedEvent extends Base {
  type: 'fault.injected';
  faultId: string;
  name: string;
  kind: string;
  agent: string;
  target: Record<string, unknown>;
  /** Planned start (epoch ms); `t - plannedT` is the scheduling jitter. */
  plannedT: number;
  durationMs?: number;
  where: string;
  /** The command an operator runs to undo it by hand, should squall not (since 0.1: absent in older journals). */
  removeCommand?: string;
  /** Agent clock offset (agent − controller, ms) when the fault ran on a remote agent. */
  clockOffsetMs?: number;
}

export interface FaultRevertedEvent extends Base {
  type: 'fault.reverted';
  faultId: string;
  name: string;
  kind: string;
  attempts: number;
}

export interface FaultRevertFailedEvent extends Base {
  type: 'fault.revert_failed';
  leftover: Leftover;
  attempts: number;
}

export interface FaultInjectFailedEvent extends Base {
  type: 'fault.inject_failed';
  name: string;
  kind: string;
  error: string;
}

/**
 * The session to a remote agent ended mid-run (stream closed, or nothing back within the
 * lease's ttl). The run stops. Faults that agent still held are no longer the controller's to
 * revert: the agent's lease (alive) or ledger (restarted) reverts them; each is listed here,
 * with the command that removes it by hand.
 */
export interface AgentSessionLostEvent extends Base {
  type: 'agent.session_lost';
  agent: string;
  message: string;
  handedOver: { faultId: string; name: string; kind: string; where: string; removeCommand: string }[];
}

/** A histogram summarised (ms) and encoded (`hdr`) so reports can re-merge it. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  hdr: string;
}

/** One metrics slice, histograms summarised (p50/p90/p99/max/count) and encoded for re-merging. */
export interface MetricsEvent extends Base {
  type: 'metrics';
  startMs: number;
  durationMs: number;
  phase: PhaseName;
  counters: Record<string, number>;
  gauges: Record<string, number>;
  latencies: Record<string, LatencySummary>;
  /**
   * Counters that became final after their slice was journaled (message counts are dated by
   * send time and settle after the sink's grace), and latencies read after it closed (k6
   * points): add each to the slice starting at `startMs`.
   */
  dated?: {
    startMs: number;
    counters: Record<string, number>;
    maxGauges?: Record<string, number>;
    latencies?: Record<string, LatencySummary>;
  }[];
}

export interface GuardTripEvent extends Base {
  type: 'guard.tripped';
  guard: string;
  reason: string;
}

export interface ErrorEvent extends Base {
  type: 'error';
  code: string;
  message: string;
}

/** Something worth keeping that is not an error: a process started, a proxy toxic added. */
export interface LogEvent extends Base {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}

export interface AbortEvent extends Base {
  type: 'abort';
  reason: 'guard' | 'signal' | 'preflight' | 'error' | 'operator';
  detail: string;
  /** Who pressed abort, for an operator's abort (a token's name, or the local user). */
  by?: string;
}

/** An operator's action on a running experiment (the control room, or a suite's pause), with who did it. */
export interface OperatorEvent extends Base {
  type: 'operator.pause' | 'operator.resume' | 'operator.note';
  by: string;
  /** The note's text (operator.note). */
  text?: string;
}

/** A scheduled fault not injected: the run was paused until after the fault's planned end. */
export interface FaultSkippedEvent extends Base {
  type: 'fault.skipped';
  name: string;
  kind: string;
  reason: string;
}

/** Per-SLO, per-window result, as scored. */
export interface SloWindowResult {
  window: 'run' | 'baseline' | 'fault' | 'recovery';
  status: 'met' | 'breached' | 'nodata';
  value: number | null;
  good: number;
  total: number;
  budgetConsumed: number | null;
  burnRate: number | null;
}

export interface SloResult {
  name: string;
  sli: string;
  source: string;
  objective: string;
  window: 'run' | 'baseline' | 'fault' | 'recovery';
  budgeting: 'occurrences' | 'timeslices';
  status: 'met' | 'breached' | 'nodata';
  value: number | null;
  unit: string;
  compliance: number;
  budgetConsumed: number | null;
  weight: number;
  /**
   * What the experiment expected (`breached`: a negative control). Absent in journals written
   * before it existed: read as `met`.
   */
  expect?: 'met' | 'breached';
  windows: SloWindowResult[];
}

export interface VerdictEvent extends Base {
  type: 'verdict';
  /** `holds`: every SLO came out as expected (met, or breached where `expect: breached`). */
  hypothesis: 'holds' | 'rejected' | 'inconclusive';
  exitCode: number;
  resilienceScore: number;
  slos: SloResult[];
}

export interface RunEndEvent extends Base {
  type: 'run.end';
  exitCode: number;
  outcome: (typeof RUN_OUTCOMES)[number];
}

export type JournalEvent =
  | RunStartEvent
  | PhaseEvent
  | FaultInjectedEvent
  | FaultRevertedEvent
  | FaultRevertFailedEvent
  | FaultInjectFailedEvent
  | AgentSessionLostEvent
  | MetricsEvent
  | GuardTripEvent
  | ErrorEvent
  | LogEvent
  | AbortEvent
  | OperatorEvent
  | FaultSkippedEvent
  | VerdictEvent
  | RunEndEvent;

/** Distributes `Omit` over the union so callers pass one event's fields without seq/t. */
export type JournalEventInput = JournalEvent extends infer E
  ? E extends JournalEvent
    ? Omit<E, 'seq' | 't'>
    : never
  : never;
