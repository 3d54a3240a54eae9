/**
 * The operator's controls over a running experiment (or suite), for any front end: the control
 * room's buttons, a suite's pause step, a test. The caller creates them and passes them in
 * `RunOptions.controls`; the runner journals every action with who took it.
 *
 * - **abort** is the kill switch: the same path as Ctrl-C (rollback, exit 3).
 * - **pause** holds every injection not yet made (and, in a suite, the next experiment). It
 *   never extends a fault already active: each keeps its own deadline, and agents still enforce
 *   their leases. A fault held past its planned end is skipped, not injected late; one resumed
 *   inside its slot runs only until its planned end (fault-task.ts).
 * - **note** is a line in the journal ("paged at +40 s") that the live timeline, report.html and
 *   postmortem.md show.
 */
import type { JournalEventInput } from '../core/journal-events.js';

export interface RunControls {
  /** Aborts with `reason: 'operator'`; false when already aborted. */
  abort(by: string, detail?: string): boolean;
  /** False when already paused or the run is over. */
  pause(by: string): boolean;
  /** False when not paused. */
  resume(by: string): boolean;
  note(by: string, text: string): void;
  readonly paused: boolean;
  /** Aborted by `abort` (give it to the runner as its signal, or combine it with one). */
  readonly signal: AbortSignal;
  /** Resolves at once when not paused, else on resume; rejects when `signal` aborts first. */
  whenRunning(signal?: AbortSignal): Promise<void>;
  /** The runner's end: every later action is refused; pending waits are released. */
  close(): void;
  /** Where actions are journaled; the runner sets it for the run's life. */
  attach(emit: (event: JournalEventInput) => void): () => void;
}

export function createRunControls(): RunControls {
  const aborter = new AbortController();
  let paused = false;
  let closed = false;
  let waiters: (() => void)[] = [];
  // Actions before a run attaches (a queued run paused while waiting) are journaled on attach.
  let backlog: JournalEventInput[] = [];
  let emit: ((event: JournalEventInput) => void) | undefined;
  const journal = (event: JournalEventInput) => {
    if (emit) emit(event);
    else backlog.push(event);
  };
  const release = () => {
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };

  return {
    get paused() {
      return paused;
    },
    signal: aborter.signal,
    abort(by, detail) {
      if (aborter.signal.aborted || closed) return false;
      aborter.abort({ reason: 'operator', detail: detail ?? `aborted by ${by}`, by });
      release();
      return true;
    },
    pause(by) {
      if (paused || closed || aborter.signal.aborted) return false;
      paused = true;
      journal({ type: 'operator.pause', by });
      return true;
    },
    resume(by) {
      if (!paused) return false;
      paused = false;
      journal({ type: 'operator.resume', by });
      release();
      return true;
    },
    note(by, text) {
      journal({ type: 'operator.note', by, text });
    },
    whenRunning(signal) {
      if (!paused || closed) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason ?? aborter.signal.reason);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) onAbort();
          else resolve();
        });
      });
    },
    close() {
      closed = true;
      paused = false;
      release();
    },
    attach(next) {
      emit = next;
      for (const event of backlog) next(event);
      backlog = [];
      return () => {
        if (emit === next) emit = undefined;
      };
    },
  };
}
