/** Pieces of the testbed benchmarks: RSS from /proc, Prometheus text lookups, a progress ticker. */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Fleet } from '../simulator/fleet.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of `pid` in bytes (0 when it is gone). */
export function rssBytes(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) of `pid` in clock ticks, from /proc (0 when it is gone). */
function cpuTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (proc(5) fields 14, 15)
  } catch {
    return 0;
  }
}
const TICKS_PER_S = 100; // USER_HZ on Linux

/** The value of an unlabelled sample in Prometheus text (NaN when absent). */
export const metric = (text: string, name: string): number =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/**
 * Prints one line every `everyMs` while a phase runs — connected, the connect rate over the last
 * interval, connecting/backoff, failures, telemetry counters, load — and keeps the lines for the
 * result file, so a run that stops short still shows how it got there.
 */
export class Progress {
  readonly lines: string[] = [];
  /** Best connect rate over one interval during the `connect` phase. */
  peakRatePerS = 0;
  #timer: NodeJS.Timeout | undefined;
  #phase = '';
  #t0 = Date.now();
  #last = { atMs: Date.now(), connected: 0 };
  #cpu = new Map<number, number>();

  constructor(
    private readonly fleet: Fleet,
    private readonly target: number,
    /** The broker's processes, for CPU per interval: where a slow ramp spends its time. */
    private readonly pids: () => { primary: number | undefined; workers: number[] } = () => ({
      primary: undefined,
      workers: [],
    }),
  ) {}

  /** CPU % of `pid` since the previous tick. */
  #cpuPercent(pid: number | undefined, intervalMs: number): number {
    if (!pid) return 0;
    const ticks = cpuTicks(pid);
    const before = this.#cpu.get(pid);
    this.#cpu.set(pid, ticks);
    // Gone since the last tick (a killed worker): nothing to report for it.
    if (before === undefined || ticks < before) return 0;
    return Math.round(((ticks - before) / TICKS_PER_S / (intervalMs / 1000)) * 100);
  }

  start(phase: string, everyMs: number): void {
    this.#phase = phase;
    this.#t0 = Date.now();
    this.#last = { atMs: Date.now(), connected: this.fleet.snapshot().connected };
    const { primary, workers } = this.pids();
    for (const pid of [primary, ...workers]) this.#cpuPercent(pid, 1);
    this.#timer = setInterval(() => this.tick(), everyMs);
  }

  phase(name: string): void {
    this.tick();
    this.#phase = name;
  }

  tick(): void {
    const s = this.fleet.snapshot();
    const now = Date.now();
    const intervalMs = Math.max(1, now - this.#last.atMs);
    const rate = ((s.connected - this.#last.connected) * 1000) / intervalMs;
    const { primary, workers } = this.pids();
    const primaryCpu = this.#cpuPercent(primary, intervalMs);
    const workerCpu = workers.map((p) => this.#cpuPercent(p, intervalMs));
    if (this.#phase === 'connect') this.peakRatePerS = Math.max(this.peakRatePerS, Math.round(rate));
    this.#last = { atMs: now, connected: s.connected };
    const failed = s.failures.reduce((a, f) => a + f.count, 0);
    const t = s.totals;
    const line =
      `[${((now - this.#t0) / 1000).toFixed(0).padStart(4)} s ${this.#phase}] ` +
      `connected ${s.connected}/${this.target} (${Math.round(rate)}/s) connecting ${s.connecting} ` +
      `backoff ${s.backoff} failures ${failed} disconnects ${t.disconnects ?? 0} ` +
      `published ${t.published ?? 0} acked ${t.acked ?? 0} load ${loadavg()[0]!.toFixed(1)} ` +
      `cpu% primary ${primaryCpu} workers ${workerCpu.join(',')}`;
    this.lines.push(line);
    console.log(line);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
