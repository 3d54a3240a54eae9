/**
 * A k6 process as a metrics source: `k6 run --out json=<run dir>/k6-<probe>.json --quiet
 * [args] script`, its output file tailed as it grows (file-tail.ts) and its points tallied by
 * the slice they are dated in (k6-points.ts).
 *
 * Timing, and why the hand-over is dated: k6 buffers its JSON output (a flush every 200 ms
 * through a 4 KB write buffer), so a request's points reach the file a fraction of a second
 * to a few seconds after it ended, and the last ones only when k6 stops. Every reading is
 * therefore handed over dated (metrics.ts `DatedCounters`): counts and latencies land in the
 * slice k6 timed them in, whenever they are read. A slice still open (the one `collect` is
 * not closing yet) is kept back, so its points do not fall into the slice before it.
 *
 * Lifecycle: `start` waits (up to `startTimeout`) for k6's first point, so the preflight sees
 * a k6 at work; a k6 that exits first fails the run (SQUALL_PROBE_FAILED, with the tail of
 * its log). `settle` waits until k6 has written a point past the run's end (at most 2 s).
 * `stop` sends SIGINT (k6 stops gracefully: ends its iterations, runs teardown and
 * handleSummary, flushes its output), waits up to `stopTimeout`, then SIGKILLs; then it reads
 * the file to its end. k6 runs in a process group of its own, so the operator's Ctrl-C reaches
 * Squall (which rolls back first) and not k6; if Squall itself dies, k6 is killed with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SquallError } from '../core/errors.js';
import type { MetricsSource, SourceReading } from '../core/metrics.js';
import { makePrivateDir, PRIVATE_FILE_MODE, writePrivateFile } from '../core/private-files.js';
import type { ProbeSpec } from '../spec/schema.js';
import { FileTail } from './file-tail.js';
import { findK6 } from './k6-binary.js';
import { K6SliceTally, parseK6Line } from './k6-points.js';
import type { ProbeContext } from './probe.js';

export interface K6RunParams {
  script: string;
  args: string[];
  env?: Record<string, string>;
  k6?: string;
  startTimeout: number;
  stopTimeout: number;
}

const POLL_MS = 100;
const SETTLE_MAX_MS = 2000;
const KILL_WAIT_MS = 2000;
const LOG_TAIL_LINES = 15;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** The argv after the binary: user args go before the script, as `k6 run [flags] script` wants. */
function k6Argv(outFile: string, params: Pick<K6RunParams, 'args'>, script: string): string[] {
  return ['run', '--out', `json=${outFile}`, '--quiet', ...params.args, script];
}

export function createK6Source(spec: ProbeSpec, params: K6RunParams, ctx: ProbeContext): MetricsSource {
  const name = spec.name;
  const script = resolve(ctx.baseDir, params.script);
  const outFile = join(ctx.runDir, `k6-${name}.json`);
  const logFile = join(ctx.runDir, 'logs', `k6-${name}.log`);
  const tally = new K6SliceTally(ctx.sliceMs);
  let points = 0;
  let lastPointMs = Number.NEGATIVE_INFINITY;
  let malformed = 0;
  let onFirstPoint: (() => void) | undefined;
  const tail = new FileTail(outFile, (line) => {
    const parsed = parseK6Line(line);
    if (!parsed || parsed.kind === 'metric') return;
    if (parsed.kind === 'problem') {
      if (malformed++ === 0)
        ctx.log(
          `k6 probe '${name}': skipping a line of ${outFile} that could not be read: ${parsed.problem}`,
        );
      return;
    }
    points++;
    lastPointMs = Math.max(lastPointMs, parsed.point.timeMs);
    tally.add(parsed.point);
    onFirstPoint?.();
  });

  let child: ChildProcess | undefined;
  let exit: Exit | undefined;
  let exited: Promise<Exit> | undefined;
  let stopping = false;
  let stopped = false;
  let lastEndMs: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let readFailed = false;

  const readNow = (): Promise<void> => {
    reading ??= tail
      .read()
      .then(
        () => undefined,
        (err: unknown) => {
          if (!readFailed)
            ctx.log(`k6 probe '${name}': could not read ${outFile}: ${(err as Error).message}`);
          readFailed = true;
        },
      )
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    if (!child?.pid || exit) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      child.kill(signal);
    }
  };
  const killOnExit = () => signalGroup('SIGKILL');
  const logTail = () => {
    try {
      const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n');
      return lines.slice(-LOG_TAIL_LINES).join('\n  ');
    } catch {
      return '(no output)';
    }
  };
  const waitExit = (ms: number) =>
    Promise.race([exited!, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

  return {
    name,
    async start() {
      if (child) return;
      const binary = findK6(name, params.k6, { baseDir: ctx.baseDir });
      makePrivateDir(dirname(logFile));
      // Created empty and private before k6 opens it (k6 truncates it, keeping the mode), so
      // nothing from an earlier run is read and the points are not world-readable.
      writePrivateFile(outFile, '');
      const logFd = openSync(logFile, 'a', PRIVATE_FILE_MODE);
      const firstPoint = new Promise<void>((r) => {
        onFirstPoint = () => {
          onFirstPoint = undefined;
          r();
        };
      });
      try {
        child = spawn(binary, k6Argv(outFile, params, script), {
          cwd: ctx.baseDir,
          env: params.env ? { ...process.env, ...params.env } : process.env,
          stdio: ['ignore', logFd, logFd],
          detached: true,
        });
      } finally {
        closeSync(logFd);
      }
      exited = new Promise<Exit>((r) => {
        child!.once('exit', (code, signal) => {
          exit = { code, signal };
          r(exit);
        });
        child!.once('error', (err) => {
          exit = { code: null, signal: null };
          ctx.log(`k6 probe '${name}': could not start ${binary}: ${err.message}`);
          r(exit);
        });
      });
      process.once('exit', killOnExit);
      ctx.log(
        `k6 probe '${name}': started ${binary} ${k6Argv(outFile, params, script).join(' ')} (pid ${child.pid}, log: ${logFile})`,
      );
      void exited.then((e) => {
        if (!stopping)
          ctx.log(
            `k6 probe '${name}': k6 exited unexpectedly (code ${e.code}, signal ${e.signal}) before the run ended; its metrics stop here (log: ${logFile})`,
          );
      });
      timer = setInterval(() => void readNow(), POLL_MS);
      const outcome = await Promise.race([
        firstPoint.then(() => 'point' as const),
        exited.then(() => 'exit' as const),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), params.startTimeout).unref()),
      ]);
      if (outcome === 'point') return;
      // A k6 that exits at once (a script error) may still have written points: read them first.
      await readNow();
      if (points > 0) return;
      if (outcome === 'timeout') signalGroup('SIGKILL');
      await waitExit(KILL_WAIT_MS);
      throw new SquallError(
        'SQUALL_PROBE_FAILED',
        outcome === 'exit'
          ? `k6 probe '${name}': k6 exited (code ${exit?.code}, signal ${exit?.signal}) before writing a point; its output (${logFile}):\n  ${logTail()}`
          : `k6 probe '${name}': k6 wrote no point within ${params.startTimeout} ms (startTimeout) and was killed; its output (${logFile}):\n  ${logTail()}`,
      );
    },

    async settle(untilMs: number) {
      const deadline = Date.now() + SETTLE_MAX_MS;
      while (lastPointMs < untilMs && !exit && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, POLL_MS / 2));
        await readNow();
      }
    },

    async stop() {
      if (stopped) return;
      stopping = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (exited && !exit) {
        signalGroup('SIGINT');
        if (!(await waitExit(params.stopTimeout))) {
          ctx.log(
            `k6 probe '${name}': k6 failed to stop within ${params.stopTimeout} ms of SIGINT; killing it`,
          );
          signalGroup('SIGKILL');
          await waitExit(KILL_WAIT_MS);
        }
      }
      process.removeListener('exit', killOnExit);
      await reading;
      await tail.close().catch(() => undefined);
      stopped = true;
      if (child) {
        const extra = [malformed && `${malformed} malformed`, tail.oversized && `${tail.oversized} over-long`]
          .filter(Boolean)
          .join(', ');
        ctx.log(
          `k6 probe '${name}': k6 exited (code ${exit?.code}, signal ${exit?.signal}); ${points} points read from ${outFile}${extra ? ` (lines skipped: ${extra})` : ''}`,
        );
      }
    },

    collect(): SourceReading {
      if (stopped) return { dated: tally.take() };
      // The slice being closed ends at the grid line at or before now; when the runner closes
      // several at once (it fell behind), one per call, in order.
      const gridEndMs = Math.floor(Date.now() / ctx.sliceMs) * ctx.sliceMs;
      const endMs = lastEndMs === undefined ? gridEndMs : Math.min(gridEndMs, lastEndMs + ctx.sliceMs);
      lastEndMs = endMs;
      return { dated: tally.take(endMs) };
    },
  };
}
