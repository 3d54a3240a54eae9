/**
 * stress.* drivers with small loads (2 shared cores here): CPU workers burn and stop, memory is
 * held and released, a disk fill is written and removed; caps refuse oversized requests;
 * ledger recovery removes a fill a dead agent left.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalAgent } from '../local/local-agent.js';
import { faultDrivers } from './catalog.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stress drivers', () => {
  const agent = createLocalAgent({ processes: new Map(), proxies: new Map() });
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-stress-'));
  });
  afterEach(async () => {
    await agent.revertAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stress.cpu runs its worker threads, burns CPU, and stops them on revert', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    const cpuShare = async (ms: number) => {
      const before = process.cpuUsage();
      const t0 = performance.now();
      await sleep(ms);
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000 / (performance.now() - t0);
    };
    const threadsBefore = threads();
    const fault = await agent.inject({
      faultId: 'cpu-1',
      kind: 'stress.cpu',
      target: { host: 'self' },
      params: { workers: 2, load: '30%' },
      durationMs: 1000,
    });
    await sleep(100);
    expect(threads()).toBeGreaterThanOrEqual(threadsBefore + 2);
    const during = await cpuShare(500);
    console.log(
      `stress.cpu 2 workers at 30%: process CPU ${(during * 100).toFixed(0)}% of a core (2 shared cores)`,
    );
    // The machine is shared: the workers get what the scheduler gives them, so only a floor.
    expect(during).toBeGreaterThan(0.15);
    await fault.revert();
    expect(threads()).toBeLessThanOrEqual(threadsBefore);
    expect(await cpuShare(300)).toBeLessThan(during / 2);
  });

  it('stress.cpu refuses more workers than cores', async () => {
    await expect(
      agent.inject({
        faultId: 'cpu-2',
        kind: 'stress.cpu',
        target: { host: 'self' },
        params: { workers: availableParallelism() + 1 },
        durationMs: 1000,
      }),
    ).rejects.toThrow(/exceed this host's/);
  });

  it('stress.memory holds the memory and gives it back', async () => {
    const rss0 = process.memoryUsage.rss();
    const fault = await agent.inject({
      faultId: 'mem-1',
      kind: 'stress.memory',
      target: { host: 'self' },
      params: { size: '64MiB' },
      durationMs: 1000,
    });
    const held = process.memoryUsage.rss() - rss0;
    expect(held).toBeGreaterThan(50 * 1024 ** 2);
    await fault.revert();
    await sleep(100);
    expect(process.memoryUsage.rss() - rss0).toBeLessThan(held - 40 * 1024 ** 2);
    await expect(
      agent.inject({
        faultId: 'mem-2',
        kind: 'stress.memory',
        target: { host: 'self' },
        params: { size: '10000GB' },
        durationMs: 1000,
      }),
    ).rejects.toThrow(/exceeds the cap/);
  });

  it('stress.disk writes the fill, removes it on revert, and recover() removes a leftover', async () => {
    const fault = await agent.inject({
      faultId: 'disk-1',
      kind: 'stress.disk',
      target: { host: 'self' },
      params: { size: '8MiB', path: dir },
      durationMs: 1000,
    });
    expect(statSync(join(dir, 'squall-fill-disk-1')).size).toBe(8 * 1024 ** 2);
    await fault.revert();
    expect(existsSync(join(dir, 'squall-fill-disk-1'))).toBe(false);
    writeFileSync(join(dir, 'squall-fill-disk-2'), 'left by a dead agent');
    const driver = faultDrivers.get('stress.disk')!;
    await driver.recover!(
      {
        faultId: 'disk-2',
        target: { host: 'self' },
        durationMs: 0,
        resolveProcess: () => {
          throw new Error();
        },
        resolveProxy: () => {
          throw new Error();
        },
        assertMaySignal: () => {},
        record: () => {},
        log: () => {},
      },
      driver.params.parse({ size: '8MiB', path: dir }),
    );
    expect(existsSync(join(dir, 'squall-fill-disk-2'))).toBe(false);
    await expect(
      agent.inject({
        faultId: 'disk-3',
        kind: 'stress.disk',
        target: { host: 'self' },
        params: { size: '100000GB', path: dir },
        durationMs: 1000,
      }),
    ).rejects.toThrow(/exceeds the cap/);
  });
});
