/**
 * The run's live display. On a TTY: one line rewritten in place (phase, elapsed/total, active
 * faults, key SLIs). Elsewhere (CI logs): a plain line per phase change, fault event and every
 * `plainEveryMs`, so logs stay readable and short.
 */
import type { JournalEvent } from '../run/journal-events.js';
import type { RunProgress } from '../run/runner.js';

export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function formatProgressLine(p: RunProgress): string {
  const faults = p.activeFaults.length ? ` faults: ${p.activeFaults.join(',')}` : '';
  const slis = p.slis.map((s) => `${s.ok === false ? '!' : ''}${s.name}=${s.text}`).join(' ');
  return `[${p.phase}] ${formatClock(p.elapsedMs)}/${formatClock(p.totalMs)}${faults}${slis ? ` | ${slis}` : ''}`;
}

const PHASE_TEXT: Partial<
  Record<
    JournalEvent extends infer E ? (E extends { type: 'phase'; phase: infer P } ? P & string : never) : never,
    string
  >
> = {
  setup: '== setup: starting processes, proxies and probes',
  preflight: '== preflight: checking steady state before any fault',
  baseline: '== baseline: measuring normal behaviour',
  fault: '== fault window',
  recovery: '== recovery: faults reverted, watching the system recover',
  rollback: '== rollback: reverting anything still active',
};

export function describeEvent(event: JournalEvent): string | undefined {
  switch (event.type) {
    case 'phase':
      return PHASE_TEXT[event.phase];
    case 'fault.injected':
      return `+ injected ${event.kind} '${event.name}': ${event.where} (${event.t - event.plannedT} ms after plan)`;
    case 'fault.reverted':
      return `- reverted ${event.kind} '${event.name}'${event.attempts > 1 ? ` after ${event.attempts} attempts` : ''}`;
    case 'fault.revert_failed':
      return `REVERT FAILED ${event.leftover.kind} (${event.leftover.faultId}) on ${event.leftover.where}: ${event.leftover.error}`;
    case 'fault.inject_failed':
      return `inject failed ${event.kind} '${event.name}': ${event.error}`;
    case 'agent.session_lost':
      return `LOST agent '${event.agent}': ${event.message}${event.handedOver.map((f) => `\n  left to the agent: ${f.kind} '${f.name}' on ${f.where}; by hand: ${f.removeCommand}`).join('')}`;
    case 'guard.tripped':
      return `guard '${event.guard}' tripped: ${event.reason}`;
    case 'abort':
      return `aborting (${event.reason}): ${event.detail}`;
    case 'error':
      return `error ${event.code}: ${event.message}`;
    case 'log':
      return event.level === 'warn' ? `warning: ${event.message}` : undefined;
    default:
      return undefined;
  }
}

export class ProgressDisplay {
  #lastPlainMs = 0;
  #lineShown = false;
  constructor(
    private readonly out: ProgressOutput,
    private readonly plainEveryMs = 5000,
  ) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  progress(p: RunProgress): void {
    const line = formatProgressLine(p);
    if (this.tty) {
      const width = Math.max(20, (this.out.columns ?? 100) - 1);
      this.out.write(`\r\x1b[2K${line.slice(0, width)}`);
      this.#lineShown = true;
    } else if (p.elapsedMs - this.#lastPlainMs >= this.plainEveryMs) {
      this.#lastPlainMs = p.elapsedMs;
      this.out.write(`${line}\n`);
    }
  }

  event(event: JournalEvent): void {
    const text = describeEvent(event);
    if (!text) return;
    this.message(text);
  }

  /** A line that must not be overwritten by the progress line. */
  message(text: string): void {
    if (this.#lineShown) this.out.write('\r\x1b[2K');
    this.#lineShown = false;
    this.out.write(`${text}\n`);
  }

  /** Clears the live line so the final summary starts on a clean line. */
  done(): void {
    if (this.#lineShown) this.out.write('\r\x1b[2K');
    this.#lineShown = false;
  }
}
