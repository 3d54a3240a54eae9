/**
 * What the runner takes and gives: the environment the composition root (engine/app) builds,
 * the options of one run, its live progress and its result. engine/run/runner.ts re-exports
 * these, so callers import them from there.
 */

import type { ExitCode, Leftover, SquallError } from '../core/errors.js';
import type { FaultInjector, SessionLoss } from '../core/faults.js';
import type {
  AbortEvent,
  JournalEvent,
  PhaseName,
  RunEndEvent,
  VerdictEvent,
} from '../core/journal-events.js';
import type { MetricsSource } from '../core/metrics.js';
import type { LiveSlo } from '../slo/live.js';
import type { Experiment } from '../spec/schema.js';
import type { SourceMap } from '../spec/source-map.js';
import type { RunControls } from './controls.js';
import type { ActiveFaultRecord, RevertPolicy } from './rollback.js';

/** Everything the experiment's `system:` section stands up, and how to take it down again. */
export interface RunEnvironment {
  /** Injectors by agent name; `local` is always present. */
  injectors: Map<string, FaultInjector>;
  sources: MetricsSource[];
  /** Tells the runner when the session to a remote agent is lost (losses before the call are replayed). */
  watchAgents?(onLost: (loss: SessionLoss) => void): void;
  teardown(): Promise<void>;
}

export type EnvironmentFactory = (
  experiment: Experiment,
  context: {
    runDir: string;
    log: (message: string) => void;
    /** The experiment file, for relative paths. */
    file?: string;
    /** The slice grid (metrics.ts): sources date counts on it. */
    sliceMs: number;
    /** Where each field was written, to position problems found at run start (agent capacity). */
    source?: SourceMap;
  },
) => Promise<RunEnvironment>;

/** A live view for the CLI's progress line (and anyone watching the run). */
export interface RunProgress {
  phase: PhaseName;
  elapsedMs: number;
  totalMs: number;
  activeFaults: string[];
  /** Every SLO whose window has opened, over its window so far (engine/slo/live.ts). */
  slos: LiveSlo[];
}

/** Why a run stopped early; the reason given to the run's AbortController. */
export interface AbortReason {
  reason: AbortEvent['reason'];
  detail: string;
  /** Who aborted (an operator's abort). */
  by?: string;
}

export interface RunOptions {
  experiment: Experiment;
  file: string;
  /** The file's source map (LoadedExperiment.source), for positioned errors at run start. */
  source?: SourceMap;
  /** What `${env:NAME}` secret references read (the CLI passes its own); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory for journal.jsonl, logs and reports. */
  outDir: string;
  environment: EnvironmentFactory;
  /** Operator abort (the CLI aborts it on SIGINT/SIGTERM); `reason` may be an AbortReason. */
  signal?: AbortSignal;
  /** The operator's abort, pause and notes (controls.ts); every action is journaled with who took it. */
  controls?: RunControls;
  onProgress?: (progress: RunProgress) => void;
  onEvent?: (event: JournalEvent) => void;
  /** The journal's run id, when the caller names the run before it starts (the control room's queue); default a fresh UUID. */
  runId?: string;
  /** Length of a metrics slice; 1000 ms unless a test wants it shorter. */
  sliceMs?: number;
  revertPolicy?: RevertPolicy;
}

export type RunOutcome = RunEndEvent['outcome'];

export interface RunResult {
  exitCode: ExitCode;
  outcome: RunOutcome;
  journalPath: string;
  verdict?: VerdictEvent;
  leftovers: Leftover[];
  error?: SquallError;
  aborted?: AbortReason;
}

export interface Runner {
  run(): Promise<RunResult>;
  /** Faults injected and not yet reverted (for the second Ctrl-C). */
  activeFaults(): ActiveFaultRecord[];
}
