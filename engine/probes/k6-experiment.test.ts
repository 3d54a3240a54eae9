/**
 * A k6 probe in a real short experiment, scored per window against an oracle.
 *
 * Uses a stand-in k6 (test-support/k6-standin.mjs, put on PATH by the test) because the k6
 * binary cannot be installed where Squall's tests run. The stand-in writes k6's documented
 * JSON output at a known rate (50 requests/s), with a known latency distribution (10–30 ms;
 * 100–300 ms in the fault) and a known failure ratio (0 %; 30 % answered 503 in the fault),
 * and like k6 it writes late (held back 500 ms, flushed every 200 ms in 4 KB blocks), so every
 * point reaches Squall two or more 250 ms slices after the slice it belongs to. The fault span
 * is the run's own: the test tells the stand-in when the runner enters the fault and recovery
 * phases. Everything else is real: the loader, the runner, the environment, the journal, the
 * reports.
 *
 * The oracle is the stand-in's output file itself (k6-load.json in the run dir): the points in
 * each window [start, end) of the journal's phases. Counts (ok, total, checks) must match
 * exactly: each point is dated by its own time, not by when it was read. Percentiles must
 * match the exact percentile of the window's values (rank round(p·n), as hdr-histogram-js
 * counts) within 0.2 % + 1 µs: the histograms keep 3 significant digits. The reports, rebuilt
 * from the journal alone, must give the same latency percentiles as the verdict.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRun } from '../../reports/write.js';
import { createDefaultEnvironment } from '../app/environment.js';
import { loadExperimentFile } from '../app/load.js';
import { ExitCode } from '../core/errors.js';
import type { JournalEvent, PhaseEvent, SloResult } from '../core/journal-events.js';
import { readJournal } from '../run/journal.js';
import { createRunner } from '../run/runner.js';
import { STANDIN_BIN } from './test-support/standin.js';

let dir: string;
let savedPath: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'squall-k6-run-'));
  writeFileSync(
    join(dir, 'load.js'),
    "import http from 'k6/http';\nexport default () => http.get('http://x/');\n",
  );
  savedPath = process.env.PATH;
});
afterEach(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const WINDOWS = ['baseline', 'fault', 'recovery'] as const;

function experimentYaml(control: string): string {
  const perWindow = (name: string, sli: string, objective: string) =>
    WINDOWS.map(
      (w) =>
        `  - { name: ${name}-${w}, sli: ${sli}, source: load, objective: "${objective}", window: ${w}${w === 'fault' ? ', expect: breached' : ''} }`,
    ).join('\n');
  return `apiVersion: squall/v1
kind: Experiment
metadata: { name: k6-oracle }
probes:
  - name: load
    kind: k6
    params:
      script: load.js
      env: { STANDIN_RATE: "50", STANDIN_LAG_MS: "500", STANDIN_CONTROL: "${control}", TZ: Asia/Kolkata }
phases: { preflight: 1s, baseline: 2s, fault: 2s, recovery: 2s }
slos:
${perWindow('ok', 'success_ratio', '>= 99%')}
${perWindow('p50', 'latency_p50', '<= 50ms')}
${perWindow('p99', 'latency_p99', '<= 50ms')}
${perWindow('checks', 'check_success_ratio', '>= 99%')}
  - { name: iterations, sli: iteration_rate, source: load, objective: ">= 40", window: fault }
guards:
  - { name: k6-down, when: "success_ratio < 50%", source: load, for: 500ms }
`;
}

interface Sample {
  metric: string;
  timeMs: number;
  value: number;
}

/** Every point the stand-in wrote, read with JSON.parse alone (not with the probe's parser). */
function pointsIn(file: string): Sample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((o) => o.type === 'Point')
    .map((o) => ({ metric: o.metric, timeMs: Date.parse(o.data.time), value: o.data.value }));
}

/** The value at percentile p as hdr-histogram-js ranks it: round(p/100 · n), at least 1. */
function exactPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.floor((p / 100) * sorted.length + 0.5));
  return sorted[rank - 1]!;
}

describe('k6 probe in an experiment', () => {
  it('scores each window from the points k6 dated in it, late as they come, and the reports agree', async () => {
    process.env.PATH = `${STANDIN_BIN}:${savedPath}`;
    const control = join(dir, 'control.json');
    const file = join(dir, 'k6.yaml');
    writeFileSync(file, experimentYaml(control));
    const loaded = await loadExperimentFile(file);
    const tellStandin = (value: object) => {
      writeFileSync(`${control}.tmp`, JSON.stringify(value));
      renameSync(`${control}.tmp`, control);
    };
    let faultFromMs = 0;
    const outDir = join(dir, 'run');
    const result = await createRunner({
      experiment: loaded.experiment,
      file,
      source: loaded.source,
      outDir,
      environment: createDefaultEnvironment(),
      sliceMs: 250,
      onEvent: (e: JournalEvent) => {
        if (e.type !== 'phase') return;
        if (e.phase === 'fault') {
          faultFromMs = e.t;
          tellStandin({ faultFromMs });
        }
        if (e.phase === 'recovery') tellStandin({ faultFromMs, faultUntilMs: e.t });
      },
    }).run();

    expect(result.error?.message).toBeUndefined();
    // Every SLO came out as designed: met in baseline and recovery, breached (as expected) in the fault.
    const slos = result.verdict!.slos;
    expect(
      slos
        .filter((s) => s.status !== (s.expect === 'breached' ? 'breached' : 'met'))
        .map((s) => [s.name, s.value]),
    ).toEqual([]);
    expect(result.exitCode).toBe(ExitCode.ok);

    const { events } = readJournal(result.journalPath);
    const phaseAt = (phase: string) =>
      (events.find((e) => e.type === 'phase' && e.phase === phase) as PhaseEvent).t;
    const bounds = {
      baseline: [phaseAt('baseline'), phaseAt('fault')],
      fault: [phaseAt('fault'), phaseAt('recovery')],
      recovery: [phaseAt('recovery'), phaseAt('rollback')],
    } as const;
    const points = pointsIn(join(outDir, 'k6-load.json'));
    const slo = (name: string): SloResult => slos.find((s) => s.name === name)!;
    const summary = loadRun(result.journalPath).summary;
    const keySli = (sli: string) => summary.keySlis.find((k) => k.source === 'load' && k.sli === sli)!;

    for (const w of WINDOWS) {
      const [from, to] = bounds[w];
      const inWindow = (metric: string) =>
        points.filter((p) => p.metric === metric && p.timeMs >= from && p.timeMs < to).map((p) => p.value);
      const failed = inWindow('http_req_failed');
      const checks = inWindow('checks');
      const latencies = inWindow('http_req_duration');

      // The known rate: 50 requests/s over the 2 s window.
      expect(failed.length, w).toBeGreaterThanOrEqual(95);
      expect(failed.length, w).toBeLessThanOrEqual(101);
      const ok = slo(`ok-${w}`).windows.find((x) => x.window === w)!;
      expect([ok.good, ok.total], w).toEqual([failed.filter((v) => v === 0).length, failed.length]);
      const passed = slo(`checks-${w}`).windows.find((x) => x.window === w)!;
      expect([passed.good, passed.total], w).toEqual([checks.filter((v) => v !== 0).length, checks.length]);

      for (const p of [50, 99] as const) {
        const exact = exactPercentile(latencies, p);
        const value = slo(`p${p}-${w}`).value!;
        expect(Math.abs(value - exact), `${w} p${p}: ${value} vs ${exact}`).toBeLessThanOrEqual(
          exact * 0.002 + 0.001,
        );
        // Rebuilt from the journal alone (dated latencies merged back): the same number.
        expect(keySli(`latency_p${p}`).windows[w], `${w} p${p} in the reports`).toBe(value);
      }
      expect(keySli('success_ratio').windows[w]).toBe(ok.good / ok.total);
    }

    // The known distribution: no failures outside the fault, 30 % in it; latencies in their ranges.
    expect(slo('ok-baseline').value).toBe(1);
    expect(slo('ok-recovery').value).toBe(1);
    expect(slo('ok-fault').value!).toBeCloseTo(0.7, 1);
    expect(slo('checks-fault').value!).toBeCloseTo(0.7, 1);
    expect(slo('p99-baseline').value!).toBeLessThanOrEqual(30.1);
    expect(slo('p50-fault').value!).toBeGreaterThanOrEqual(100);
    expect(slo('p99-fault').value!).toBeLessThanOrEqual(300.4);
    expect(slo('iterations').value!).toBeCloseTo(50, -1);
    // The guard never saw a window below 50 %.
    expect(events.some((e) => e.type === 'guard.tripped')).toBe(false);
  });

  it('fails before anything starts when k6 is not on PATH: SQUALL_K6_NOT_FOUND, exit 4', async () => {
    process.env.PATH = '/nonexistent/bin';
    const file = join(dir, 'k6.yaml');
    writeFileSync(file, experimentYaml(join(dir, 'control.json')));
    const loaded = await loadExperimentFile(file);
    const result = await createRunner({
      experiment: loaded.experiment,
      file,
      outDir: join(dir, 'run'),
      environment: createDefaultEnvironment(),
      sliceMs: 250,
    }).run();
    expect(result.exitCode).toBe(ExitCode.infrastructure);
    expect(result.error?.code).toBe('SQUALL_K6_NOT_FOUND');
    expect(result.error?.message).toMatch(
      /k6 not found: no executable 'k6' on PATH \(\/nonexistent\/bin\); install k6/,
    );
    const { events } = readJournal(result.journalPath);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'SQUALL_K6_NOT_FOUND' });
    // Nothing ran: no preflight, no slices.
    expect(events.some((e) => e.type === 'phase' && e.phase === 'preflight')).toBe(false);
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
  });
});
