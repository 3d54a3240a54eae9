/**
 * `summary.json`: the run as a stable, versioned document built from the journal alone.
 * Bump SUMMARY_SCHEMA_VERSION on any breaking change; consumers key on it.
 */
import type { Leftover } from '../engine/errors.js';
import type {
  FaultInjectedEvent,
  JournalEvent,
  RunEndEvent,
  RunStartEvent,
  SloResult,
  VerdictEvent,
} from '../engine/run/journal-events.js';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface RunSummary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  experiment: string;
  file: string;
  runId: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** False when the journal ended early or had unreadable lines: numbers may be partial. */
  complete: boolean;
  outcome: RunEndEvent['outcome'] | 'incomplete';
  exitCode: number | null;
  hypothesis: VerdictEvent['hypothesis'] | null;
  resilienceScore: number | null;
  slos: SloResult[];
  faults: {
    faultId: string;
    name: string;
    kind: string;
    agent: string;
    target: Record<string, unknown>;
    injectedAt: string;
    schedulingDelayMs: number;
    revertedAt: string | null;
    revertAttempts: number | null;
  }[];
  guardTrips: { guard: string; reason: string; at: string }[];
  aborted: { reason: string; detail: string } | null;
  errors: { code: string; message: string }[];
  leftovers: Leftover[];
  environment: { squallVersion: string; node: string; host: string };
}

export function buildSummary(events: readonly JournalEvent[], defects = 0): RunSummary {
  const start = events.find((e): e is RunStartEvent => e.type === 'run.start');
  const end = events.find((e): e is RunEndEvent => e.type === 'run.end');
  const verdict = events.find((e): e is VerdictEvent => e.type === 'verdict');
  const iso = (t: number) => new Date(t).toISOString();
  const faults: RunSummary['faults'] = events
    .filter((e): e is FaultInjectedEvent => e.type === 'fault.injected')
    .map((inj) => {
      const reverted = events.find((e) => e.type === 'fault.reverted' && e.faultId === inj.faultId);
      return {
        faultId: inj.faultId,
        name: inj.name,
        kind: inj.kind,
        agent: inj.agent,
        target: inj.target,
        injectedAt: iso(inj.t),
        schedulingDelayMs: inj.t - inj.plannedT,
        revertedAt: reverted ? iso(reverted.t) : null,
        revertAttempts: reverted?.type === 'fault.reverted' ? reverted.attempts : null,
      };
    });
  const abort = events.find((e) => e.type === 'abort');
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    experiment: start?.experiment ?? 'unknown',
    file: start?.file ?? 'unknown',
    runId: start?.runId ?? 'unknown',
    startedAt: start ? iso(start.t) : 'unknown',
    endedAt: end ? iso(end.t) : null,
    durationMs: start && end ? end.t - start.t : null,
    complete: Boolean(start && end) && defects === 0,
    outcome: end?.outcome ?? 'incomplete',
    exitCode: end?.exitCode ?? null,
    hypothesis: verdict?.hypothesis ?? null,
    resilienceScore: verdict?.resilienceScore ?? null,
    slos: verdict?.slos ?? [],
    faults,
    guardTrips: events.flatMap((e) =>
      e.type === 'guard.tripped' ? [{ guard: e.guard, reason: e.reason, at: iso(e.t) }] : [],
    ),
    aborted: abort?.type === 'abort' ? { reason: abort.reason, detail: abort.detail } : null,
    errors: events.flatMap((e) => (e.type === 'error' ? [{ code: e.code, message: e.message }] : [])),
    leftovers: events.flatMap((e) => (e.type === 'fault.revert_failed' ? [e.leftover] : [])),
    environment: {
      squallVersion: start?.squallVersion ?? 'unknown',
      node: start?.node ?? 'unknown',
      host: start?.host ?? 'unknown',
    },
  };
}
