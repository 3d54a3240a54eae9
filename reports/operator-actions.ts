/**
 * What the people in the room did during a run, from the journal: notes, pauses, resumes and
 * an operator's abort, each with who and when. Reports show them so a postmortem can tell the
 * system's behaviour from the humans' ("paused at +00:40 to page the broker team").
 */
import type { JournalEvent } from '../engine/core/journal-events.js';

export type OperatorAction = 'note' | 'pause' | 'resume' | 'abort';

export interface OperatorActionEntry {
  action: OperatorAction;
  by: string;
  /** The note's text, or the abort's detail; empty for a pause or resume. */
  text: string;
  at: string;
  /** From the run's start (the run.start event), as the room's clocks read it. */
  sinceStartMs: number;
}

export function operatorActions(events: readonly JournalEvent[]): OperatorActionEntry[] {
  const startT = events.find((e) => e.type === 'run.start')?.t ?? events[0]?.t ?? 0;
  return events.flatMap((e) => {
    const action = operatorActionOf(e, startT);
    return action ? [action] : [];
  });
}

/** The action one event records, or null when it is not an operator's. */
export function operatorActionOf(e: JournalEvent, startT: number): OperatorActionEntry | null {
  const base = { at: new Date(e.t).toISOString(), sinceStartMs: e.t - startT };
  if (e.type === 'operator.note') return { action: 'note', by: e.by, text: e.text ?? '', ...base };
  if (e.type === 'operator.pause' || e.type === 'operator.resume')
    return { action: e.type === 'operator.pause' ? 'pause' : 'resume', by: e.by, text: '', ...base };
  if (e.type === 'abort' && e.reason === 'operator')
    return { action: 'abort', by: e.by ?? 'unknown', text: e.detail, ...base };
  return null;
}

/** `+MM:SS` from the run's start (hours roll into minutes: `+75:03`). */
export function formatSinceStart(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const s = Math.floor(Math.abs(ms) / 1000);
  return `${sign}${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One line a reader understands without knowing the journal: `alice paused the run`. */
export function describeAction(a: OperatorActionEntry): string {
  switch (a.action) {
    case 'note':
      return `note from ${a.by}: ${a.text}`;
    case 'pause':
      return `${a.by} paused the run (injections not yet made are held)`;
    case 'resume':
      return `${a.by} resumed the run`;
    case 'abort':
      return `${a.by} aborted the run: ${a.text}`;
  }
}
