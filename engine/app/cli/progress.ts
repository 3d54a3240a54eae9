/**
 * The run's live display. On a TTY: one line rewritten in place (phase, elapsed/total, active
 * faults, key SLIs). Elsewhere (CI logs): a plain line per phase change, fault event and every
 * `plainEveryMs`, so logs stay readable and short.
 */

import { escapeControl, escapeControlLines } from '../../core/escape.js';
import { formatNumber, formatObjective, formatSliValue } from '../../core/format.js';
import type { JournalEvent } from '../../core/journal-events.js';
import type { RunProgress } from '../../run/runner.js';
import type { LiveSlo } from '../../slo/live.js';

export interface ProgressOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One SLO on the live line: `zero-loss 0 (== 0) met`, `lost? 312 pending`, `waiting for recovery`. */
function sloItem(live: LiveSlo): string {
  // Names are the user's text: escaped, so an ESC in a name cannot drive the terminal.
  const slo = { ...live, name: escapeControl(live.name) };
  const value = formatSliValue(slo.value, slo.unit, slo.objective);
  const objective = formatObjective(slo.objective, slo.unit);
  switch (slo.state) {
    case 'waiting':
      return `${slo.name} waiting for recovery (${objective})`;
    case 'pending':
      return `${slo.name} ${slo.value === null ? '' : `${value} `}(${objective}) lost? ${formatNumber(slo.pending ?? 0)} pending`;
    case 'nodata':
      return `${slo.name} no data yet (${objective})`;
    default:
      return `${slo.name} ${value} (${objective}) ${slo.state}`;
  }
}

const STATE_COLOUR: Record<LiveSlo['state'], string> = {
  met: '\x1b[32m',
  breaching: '\x1b[31m',
  pending: '\x1b[33m',
  nodata: '\x1b[2m',
  waiting: '\x1b[2m',
};
/** What goes first when the line is too long: the least important SLOs (met ones) are elided first. */
const STATE_RANK: Record<LiveSlo['state'], number> = {
  breaching: 0,
  pending: 1,
  waiting: 2,
  nodata: 3,
  met: 4,
};

export interface ProgressLineOptions {
  /** Columns available; the line never exceeds it and never cuts a word. */
  width?: number;
  /** ANSI colours for the SLO states (a TTY). */
  colour?: boolean;
}

/**
 * `[fault] 0:05/0:12 faults: wan-down | zero-loss 0 (== 0) met · latency 161 ms (<= 500 ms) met`.
 * Too wide: the fault names shorten to a count, the least important SLOs (met ones first) give
 * way to `+N more`, and only then is the line cut, at a word, with `…`.
 */
export function formatProgressLine(p: RunProgress, options: ProgressLineOptions = {}): string {
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const head = `[${p.phase}] ${formatClock(p.elapsedMs)}/${formatClock(p.totalMs)}`;
  const faultsFull = p.activeFaults.length ? ` faults: ${escapeControl(p.activeFaults.join(','))}` : '';
  const faultsShort = p.activeFaults.length ? ` faults: ${p.activeFaults.length}` : '';
  const ordered = p.slos
    .map((slo, i) => ({ slo, i, text: sloItem(slo) }))
    .sort((a, b) => STATE_RANK[a.slo.state] - STATE_RANK[b.slo.state] || a.i - b.i);
  const render = (faults: string, keep: number, colour: boolean) => {
    const shown = ordered.slice(0, keep).sort((a, b) => a.i - b.i);
    const items = shown.map((x) => (colour ? `${STATE_COLOUR[x.slo.state]}${x.text}\x1b[0m` : x.text));
    const more = ordered.length - keep;
    if (more > 0) items.push(`+${more} more`);
    return `${head}${faults}${items.length ? ` | ${items.join(' · ')}` : ''}`;
  };
  // Keep as many SLOs as fit (the fault names shorten to a count first), most important first.
  for (let keep = ordered.length; keep >= 0; keep--) {
    for (const faults of [faultsFull, faultsShort]) {
      if (render(faults, keep, false).length <= width) return render(faults, keep, options.colour ?? false);
    }
  }
  return cutAtWord(render(faultsShort, 0, false), width);
}

function cutAtWord(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.slice(0, Math.max(1, width - 1));
  const space = cut.lastIndexOf(' ');
  return `${space > 0 ? cut.slice(0, space) : cut}…`;
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
  settle: '== settle: waiting (up to the sink grace) until every message sent during the run is counted',
};

function describeEvent(event: JournalEvent): string | undefined {
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
    if (this.tty) {
      const width = Math.max(20, (this.out.columns ?? 100) - 1);
      this.out.write(`\r\x1b[2K${formatProgressLine(p, { width, colour: true })}`);
      this.#lineShown = true;
    } else if (p.elapsedMs - this.#lastPlainMs >= this.plainEveryMs) {
      this.#lastPlainMs = p.elapsedMs;
      this.out.write(`${formatProgressLine(p)}\n`);
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
    // Events carry user and agent text; only our own escapes (above) may reach the terminal.
    this.out.write(`${escapeControlLines(text)}\n`);
  }

  /** Clears the live line so the final summary starts on a clean line. */
  done(): void {
    if (this.#lineShown) this.out.write('\r\x1b[2K');
    this.#lineShown = false;
  }
}
