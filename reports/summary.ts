/**
 * `summary.json`: the run as a stable, versioned document built from the journal alone. Every
 * other format renders from this summary (plus chart series for the HTML), so each number is
 * computed once and reads the same everywhere.
 *
 * Bump SUMMARY_SCHEMA_VERSION on any breaking change (a field removed, renamed or retyped);
 * adding a field is not breaking. Consumers key on it. Nothing here reads the clock: the same
 * journal gives the same summary, byte for byte.
 */
import type { Leftover } from '../engine/core/errors.js';
import type {
  FaultInjectedEvent,
  JournalEvent,
  RunEndEvent,
  RunStartEvent,
  SloResult,
  VerdictEvent,
} from '../engine/core/journal-events.js';
import type { K6Summary } from '../engine/core/k6-summary.js';
import type { JournalDefect } from '../engine/run/journal.js';
import { errorCause } from './error-cause.js';
import type { KeySli } from './key-slis.js';
import { scanMetrics } from './metrics-scan.js';
import { type OperatorActionEntry, operatorActions } from './operator-actions.js';
import { type RunSeverity, runSeverity, severityTable } from './severity.js';
import { type ScoredPhase, type TimelineEntry, timelineEntries } from './timeline.js';

const SUMMARY_SCHEMA_VERSION = 1;

export interface RunSummary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  experiment: string;
  description: string | null;
  /** Path or URL from the experiment's `metadata.runbook`. */
  runbook: string | null;
  /** The runbook file the run found (engine/spec/runbook.ts); null for a URL or when not recorded. */
  runbookFile: { path: string; repoPath: string | null } | null;
  file: string;
  runId: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** False when the journal ended early or had unreadable lines: numbers may be partial. */
  complete: boolean;
  /** Why the run is incomplete (unreadable lines, missing events); empty when complete. */
  problems: string[];
  outcome: RunEndEvent['outcome'] | 'incomplete';
  exitCode: number | null;
  hypothesis: VerdictEvent['hypothesis'] | null;
  resilienceScore: number | null;
  /** Every offset below is from this instant: the start of the baseline. */
  originAt: string | null;
  phases: { phase: ScoredPhase; startOffsetMs: number; durationMs: number }[];
  slos: SloResult[];
  keySlis: KeySli[];
  /** A k6 end-of-test summary put beside the run by `squall report --import-k6`; absent otherwise. */
  k6?: K6Summary;
  faults: {
    faultId: string;
    name: string;
    kind: string;
    agent: string;
    target: Record<string, unknown>;
    where: string;
    injectedAt: string;
    injectOffsetMs: number;
    schedulingDelayMs: number;
    plannedDurationMs: number | null;
    revertedAt: string | null;
    revertOffsetMs: number | null;
    revertAttempts: number | null;
    clockOffsetMs: number | null;
  }[];
  failedInjections: { name: string; kind: string; error: string; at: string }[];
  guardTrips: { guard: string; reason: string; at: string; offsetMs: number }[];
  aborted: { reason: string; detail: string } | null;
  /**
   * The error that ended the run when it ended in one (outcome `error`, exit 4): its code, one
   * line naming the cause (reports/error-cause.ts) and the full message. Null otherwise.
   */
  infrastructureError: { code: string; cause: string; message: string } | null;
  errors: { code: string; message: string }[];
  leftovers: Leftover[];
  timeline: { offsetMs: number; kind: TimelineEntry['kind']; text: string }[];
  /** Notes, pauses, resumes and an operator's abort, with who and when (the control room). */
  operatorActions: OperatorActionEntry[];
  environment: {
    squallVersion: string;
    node: string;
    host: string;
    /** Agents that ran faults, with their clock offset (agent − controller, ms) when remote. */
    agents: { agent: string; clockOffsetMs: number | null }[];
  };
  /** How bad what happened is, and what that calls for (reports/severity.ts, docs/incidents.md). */
  severity: RunSeverity;
}

function find<T extends JournalEvent['type']>(events: readonly JournalEvent[], type: T) {
  return events.find((e) => e.type === type) as Extract<JournalEvent, { type: T }> | undefined;
}

function metadataOf(start: RunStartEvent | undefined): {
  description: string | null;
  runbook: string | null;
} {
  const metadata = (start?.spec as { metadata?: { description?: unknown; runbook?: unknown } } | undefined)
    ?.metadata;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return { description: text(metadata?.description), runbook: text(metadata?.runbook) };
}

/** Ways a run ends before it is scored: the journal is whole without a verdict. */
const UNSCORED_OUTCOMES: readonly string[] = ['aborted', 'error', 'rollback_failed', 'invalid'];

/** The error a run ended with (outcome `error`; exit 4 for an infrastructure error). */
function infrastructureErrorOf(
  events: readonly JournalEvent[],
  end: RunEndEvent | undefined,
): RunSummary['infrastructureError'] {
  if (end?.outcome !== 'error') return null;
  const error = find(events, 'error');
  if (!error) {
    const message = `the run ended with an error (exit ${end.exitCode}) the journal does not describe`;
    return { code: 'unknown', cause: message, message };
  }
  return { code: error.code, cause: errorCause(error.message), message: error.message };
}

/** Why a journal cannot be trusted to be whole, in words a reader can act on. */
function problemsOf(events: readonly JournalEvent[], defects: readonly JournalDefect[]): string[] {
  // Line 0: a defect found after parsing (write.ts), with no single line to point at.
  const problems = defects.map((d) =>
    d.line > 0 ? `journal line ${d.line} is unreadable (${d.error}); it was skipped` : `journal: ${d.error}`,
  );
  if (!find(events, 'run.start')) problems.push('the journal has no run.start event: experiment unknown');
  const end = find(events, 'run.end');
  if (!find(events, 'verdict') && !(end && UNSCORED_OUTCOMES.includes(end.outcome)))
    problems.push('the journal has no verdict: the run was not scored');
  if (!end)
    problems.push('the journal has no run.end event: the run did not finish (or the file was cut short)');
  return problems;
}

export function buildSummary(
  events: readonly JournalEvent[],
  defects: readonly JournalDefect[] = [],
): RunSummary {
  const start = find(events, 'run.start');
  const end = find(events, 'run.end');
  const verdict = find(events, 'verdict');
  const abort = find(events, 'abort');
  const { spans, originMs: origin, keySlis } = scanMetrics(events);
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
        where: inj.where,
        injectedAt: iso(inj.t),
        injectOffsetMs: inj.t - origin,
        schedulingDelayMs: inj.t - inj.plannedT,
        plannedDurationMs: inj.durationMs ?? null,
        revertedAt: reverted ? iso(reverted.t) : null,
        revertOffsetMs: reverted ? reverted.t - origin : null,
        revertAttempts: reverted?.type === 'fault.reverted' ? reverted.attempts : null,
        clockOffsetMs: inj.clockOffsetMs ?? null,
      };
    });
  const agents = new Map<string, number | null>();
  for (const f of faults)
    if (!agents.has(f.agent) || f.clockOffsetMs !== null) agents.set(f.agent, f.clockOffsetMs);
  const problems = problemsOf(events, defects);
  const summary: Omit<RunSummary, 'severity'> = {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    experiment: start?.experiment ?? 'unknown',
    ...metadataOf(start),
    runbookFile: start?.runbook ?? null,
    file: start?.file ?? 'unknown',
    runId: start?.runId ?? 'unknown',
    startedAt: start ? iso(start.t) : 'unknown',
    endedAt: end ? iso(end.t) : null,
    durationMs: start && end ? end.t - start.t : null,
    complete: problems.length === 0,
    problems,
    outcome: end?.outcome ?? 'incomplete',
    exitCode: end?.exitCode ?? null,
    hypothesis: verdict?.hypothesis ?? null,
    resilienceScore: verdict?.resilienceScore ?? null,
    originAt: spans.length > 0 ? iso(origin) : null,
    phases: spans.map((s) => ({
      phase: s.phase,
      startOffsetMs: s.startMs - origin,
      durationMs: s.endMs - s.startMs,
    })),
    slos: verdict?.slos ?? [],
    keySlis,
    faults,
    failedInjections: events.flatMap((e) =>
      e.type === 'fault.inject_failed' ? [{ name: e.name, kind: e.kind, error: e.error, at: iso(e.t) }] : [],
    ),
    guardTrips: events.flatMap((e) =>
      e.type === 'guard.tripped'
        ? [{ guard: e.guard, reason: e.reason, at: iso(e.t), offsetMs: e.t - origin }]
        : [],
    ),
    aborted: abort ? { reason: abort.reason, detail: abort.detail } : null,
    infrastructureError: infrastructureErrorOf(events, end),
    errors: events.flatMap((e) => (e.type === 'error' ? [{ code: e.code, message: e.message }] : [])),
    leftovers: events.flatMap((e) => (e.type === 'fault.revert_failed' ? [e.leftover] : [])),
    timeline: timelineEntries(events).map((e) => ({ offsetMs: e.t - origin, kind: e.kind, text: e.text })),
    operatorActions: operatorActions(events),
    environment: {
      squallVersion: start?.squallVersion ?? 'unknown',
      node: start?.node ?? 'unknown',
      host: start?.host ?? 'unknown',
      agents: [...agents].map(([agent, clockOffsetMs]) => ({ agent, clockOffsetMs })),
    },
  };
  return { ...summary, severity: runSeverity(summary, severityTable(events)) };
}
