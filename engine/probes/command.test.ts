import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsSource } from '../core/metrics.js';
import { hasExited } from '../core/processes.js';
import { Probe } from '../spec/schema.js';
import { probeKinds } from './catalog.js';

function createProbe(input: Record<string, unknown>): MetricsSource {
  const spec = Probe.parse({ name: 'cmd', kind: 'command', ...input });
  const kind = probeKinds.get('command')!;
  return kind.create(spec, kind.params.parse(spec.params));
}

describe('command probe', () => {
  let dir: string;
  const probes: MetricsSource[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-cmd-'));
  });
  afterEach(async () => {
    for (const p of probes.splice(0)) await p.stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (probe: MetricsSource, forMs: number) => {
    probes.push(probe);
    await probe.start?.();
    await new Promise((r) => setTimeout(r, forMs));
    await probe.stop?.();
    return probe.collect();
  };

  it('is ok on exit 0 and records the run time', async () => {
    const reading = await run(createProbe({ every: '50ms', params: { argv: ['true'] } }), 170);
    // Ticks at 0, 50, 100, 150 ms; a slow spawn on a busy box may skip one.
    expect(reading.counters!.total).toBeGreaterThanOrEqual(2);
    expect(reading.counters!.ok).toBe(reading.counters!.total);
    expect(reading.histograms!.latency!.totalCount).toBe(reading.counters!.total);
  });

  it('is not ok on a non-zero exit, which is a result, not an error', async () => {
    const reading = await run(createProbe({ every: '50ms', params: { argv: ['sh', '-c', 'exit 3'] } }), 120);
    expect(reading.counters!.total).toBeGreaterThan(0);
    expect(reading.counters!.ok).toBe(0);
    expect(reading.counters!.errors).toBe(0);
  });

  it('kills the whole process group at the timeout', async () => {
    const pidFile = join(dir, 'child.pid');
    // The grandchild (sleep) must die with its shell.
    const argv = ['sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`];
    const t0 = performance.now();
    const reading = await run(createProbe({ every: '1s', timeout: '150ms', params: { argv } }), 50);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(reading.counters).toMatchObject({ total: 1, ok: 0, timeouts: 1, errors: 1 });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await expect.poll(() => hasExited(grandchild)).toBe(true);
  });

  it('counts a command that cannot start as an error', async () => {
    const reading = await run(
      createProbe({ every: '1s', params: { argv: ['/nonexistent/squall-probe'] } }),
      50,
    );
    expect(reading.counters).toMatchObject({ total: 1, ok: 0, errors: 1, timeouts: 0 });
  });
});
