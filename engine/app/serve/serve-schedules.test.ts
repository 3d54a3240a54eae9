/**
 * `squall serve --schedules` on a real server with a real run: a schedule whose 6-field cron
 * names a second just ahead fires a short experiment (an HTTP service of this test's behind a
 * fault proxy the run starts, serve-harness.ts's) into the control room's queue, started by the
 * schedule; one in a blackout is skipped every time it comes round; one whose last decision is
 * minutes old (the server was down) has its missed times recorded. GET /api/schedules shows
 * them: upcoming, recent, skipped, missed; and the control room's #/schedules page shows them
 * in real Chromium.
 * Needs Debian's chromium at /usr/bin/chromium (playwright-core never downloads one).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../core/ports.js';
import { waitUntil } from '../../core/wait.js';
import { openRunHistory } from '../../history/history.js';
import { type Service, startService } from '../../history/test-support/quick-run.js';
import { loadSchedules } from '../schedules.js';
import { createServeApp } from './serve-app.js';
import { closeRoomPages, launchBrowser, roomPage } from './test-support/control-room.js';
import { api, experimentYaml } from './test-support/serve-harness.js';

let dir: string;
let service: Service;
let app: FastifyInstance;
let base: string;
let fireAt: Date;
const MIN = 60_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'squall-serve-schedules-'));
  service = await startService();
  const library = join(dir, 'library');
  mkdirSync(library);
  writeFileSync(join(library, 'quick.yaml'), experimentYaml('quick', await freePort(), service.port));
  fireAt = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000);
  const schedule = (name: string, cron: string, extra = '') =>
    writeFileSync(
      join(dir, `${name}.yaml`),
      `apiVersion: squall/v1\nkind: Schedule\nmetadata: { name: ${name} }\ncron: '${cron}'\nrun: { file: library/quick.yaml }\n${extra}`,
    );
  schedule('at-second', `${fireAt.getUTCSeconds()} ${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`);
  schedule(
    'frozen',
    '*/2 * * * * *',
    `blackouts: [{ name: always, days: [sun, mon, tue, wed, thu, fri, sat], from: '00:00', to: '23:59' }]\n`,
  );
  schedule('was-down', '0 * * * * *', 'startingDeadline: 1s\n');
  // was-down last decided something 3 minutes ago: the server was down since.
  const history = openRunHistory(join(dir, 'history.db'));
  const before = Math.floor((Date.now() - 3 * MIN) / MIN) * MIN;
  history.recordScheduleEvent({
    schedule: 'was-down',
    plannedAtMs: before,
    decidedAtMs: before,
    decision: 'fired',
    reason: null,
    runId: null,
  });
  history.close();
  const schedules = await loadSchedules(['at-second.yaml', 'frozen.yaml', 'was-down.yaml'], dir);
  app = createServeApp({
    library,
    historyPath: join(dir, 'history.db'),
    runsDir: join(dir, 'runs'),
    env: { ...process.env, SQUALL_HOME: dir },
    cwd: dir,
    localUser: 'tester',
    schedules,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await app.squall.scheduler!.start();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('squall serve --schedules', () => {
  it('fires into the queue, skips in a blackout, records what it missed, and shows it all at /api/schedules', async () => {
    const schedules = () => api(base, '/api/schedules');
    const first = (await schedules()).body;
    expect(first.schedules.map((s: { name: string }) => s.name)).toEqual(['at-second', 'frozen', 'was-down']);
    expect(first.upcoming).toContainEqual({ schedule: 'at-second', at: fireAt.toISOString(), skipped: null });
    expect(first.upcoming.find((u: { schedule: string }) => u.schedule === 'frozen').skipped).toBe(
      "blackout 'always' (sun,mon,tue,wed,thu,fri,sat 00:00–23:59 UTC)",
    );
    // Missed at start: the minutes between the last decision and now.
    expect(first.missed.length).toBeGreaterThanOrEqual(2);
    expect(first.missed.every((m: { schedule: string }) => m.schedule === 'was-down')).toBe(true);
    expect(first.missed[0].reason).toMatch(/^not started at .*: the scheduler was not running/);

    let fired: { runId: string; outcome: string | null } | undefined;
    const over = await waitUntil(
      async () => {
        const body = (await schedules()).body;
        fired = body.recent.find(
          (e: { schedule: string; decision: string }) => e.schedule === 'at-second' && e.decision === 'fired',
        );
        return fired?.outcome != null;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(over, 'the scheduled run finished').toBe(true);
    const body = (await schedules()).body;
    const run = await api(base, `/api/runs/${fired!.runId}`);
    expect(run.body).toMatchObject({
      experiment: 'quick',
      startedBy: 'schedule:at-second',
      file: 'quick.yaml',
    });
    // The decision carries the run's own outcome (whichever it was: the outage may breach).
    expect(body.recent.find((e: { runId: string | null }) => e.runId === fired!.runId)).toMatchObject({
      plannedAt: fireAt.toISOString(),
      runState: 'finished',
      outcome: run.body.outcome,
    });
    expect(body.skipped.some((e: { schedule: string }) => e.schedule === 'frozen')).toBe(true);

    // The control room's page: the schedules, what comes next, and why runs did not start.
    const browser = await launchBrowser();
    try {
      const errors: string[] = [];
      const page = await roomPage(browser, errors);
      await page.goto(`${base}/#/schedules`);
      await page.locator('[data-schedule="at-second"]').waitFor();
      expect(await page.locator('[data-schedule]').count()).toBe(3);
      expect(
        await page.locator('[data-upcoming] [data-upcoming-row="frozen"]').first().textContent(),
      ).toContain("will be skipped blackout 'always'");
      expect(await page.locator('[data-missed] [data-decision="missed"]').count()).toBe(first.missed.length);
      expect(await page.locator('[data-skipped]').textContent()).toContain("blackout 'always'");
      const runLink = page.locator(`[data-recent] a[href="#/runs/${fired!.runId}"]`);
      expect(await runLink.count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await closeRoomPages();
      await browser.close();
    }
  }, 45_000);
});
