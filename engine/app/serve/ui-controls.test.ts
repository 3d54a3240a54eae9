/**
 * The control room's operator controls in real Chromium against a real `squall serve` (the CLI,
 * port 0) running real experiments: abort reverts the fault on the real system (a process the
 * test owns is frozen with SIGSTOP; after abort /proc says it runs and its socket answers),
 * pause holds an injection (the proxy stays fast past the planned start) and resume makes it
 * (the proxy turns slow), a note lands in report.html and postmortem.md, and a viewer's buttons
 * are disabled while the API refuses them with 403.
 *
 * Needs Debian's chromium at /usr/bin/chromium (playwright-core never downloads one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../../core/ports.js';
import { procStat } from '../../core/processes.js';
import { type Service, startService } from '../../history/test-support/quick-run.js';
import {
  addToLibrary,
  api,
  closeRoomPages,
  haveChromium,
  launchBrowser,
  roomPage,
  startServe,
  tempRoom,
  tokenFor,
  waitFinished,
} from './test-support/control-room.js';
import { pauseProcessExperiment, proxyExperiment } from './test-support/room-experiments.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** One GET through a real socket: how long it took, or the error when nothing answered. */
function timedGet(port: number, timeoutMs = 3000): Promise<{ ms: number; ok: boolean; error?: string }> {
  const t0 = Date.now();
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done({ ms: Date.now() - t0, ok: res.statusCode === 200 }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => done({ ms: Date.now() - t0, ok: false, error: e.message }));
    req.end();
  });
}

describe.skipIf(!haveChromium)('operator controls in the control room', () => {
  const room = tempRoom('controls');
  let browser: Browser;
  let service: Service;
  beforeAll(async () => {
    browser = await launchBrowser();
    service = await startService();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
    room.remove();
  });

  it('abort (after the confirm dialog) reverts a SIGSTOP on a real process: /proc says it runs, its socket answers', async () => {
    const port = await freePort();
    const frozen: ChildProcess = spawn(
      process.execPath,
      [join(ROOT, 'testbed/services/http-service.mjs'), String(port)],
      {
        stdio: 'ignore',
      },
    );
    const serve = await startServe(room.dir);
    const errors: string[] = [];
    try {
      await waitForPort('127.0.0.1', port, { timeoutMs: 10_000 });
      addToLibrary(room.library, 'freeze.yaml', pauseProcessExperiment('room-freeze', frozen.pid!, port));
      const { body } = await api(serve.url, '/api/runs', {
        method: 'POST',
        body: { file: 'freeze.yaml', vars: {} },
      });
      const page = await roomPage(browser, errors);
      await page.goto(`${serve.url}/#/runs/${body.runId}`);
      await page.locator('[data-fault="freeze"][data-fault-state="active"]').waitFor({ timeout: 20_000 });
      expect(procStat(frozen.pid!)?.state).toBe('T');
      expect((await timedGet(port, 500)).ok).toBe(false);

      await page.click('[data-action="abort"]');
      await expect.poll(() => page.locator('dialog[data-confirm]').isVisible()).toBe(true);
      await page.click('[data-confirm-abort]');
      await page.locator('[data-verdict="ABORTED"]').waitFor({ timeout: 20_000 });
      expect(procStat(frozen.pid!)?.state).not.toBe('T');
      expect(await timedGet(port)).toMatchObject({ ok: true });
      const run = await waitFinished(serve.url, body.runId);
      expect(run).toMatchObject({ outcome: 'aborted', exitCode: 3 });
      await expect.poll(() => page.locator('[data-action-type="abort"]').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      frozen.kill('SIGCONT');
      frozen.kill('SIGTERM');
      await closeRoomPages();
      await serve.stop();
    }
  }, 90_000);

  it('pause holds the injection (the proxy stays fast past its planned start), resume makes it; a note lands in report.html and postmortem.md', async () => {
    const x = await proxyExperiment('room-latency', service.port, {
      kind: 'proxy.latency',
      baseline: '2s',
      fault: '6s',
    });
    addToLibrary(room.library, 'latency.yaml', x.yaml);
    const serve = await startServe(room.dir);
    const errors: string[] = [];
    try {
      const page = await roomPage(browser, errors);
      const { body } = await api(serve.url, '/api/runs', {
        method: 'POST',
        body: { file: 'latency.yaml', vars: { latency: '400ms' } },
      });
      await page.goto(`${serve.url}/#/runs/${body.runId}`);
      await page.locator('[data-log] >> text=phase baseline begins').waitFor({ timeout: 20_000 });
      const pausedAt = Date.now();
      await page.click('[data-action="pause"]');
      await page.locator('[data-run-state="running"][data-paused="true"]').waitFor();
      await page.locator('[data-action-type="operator.pause"]').waitFor();
      // Planned injection: 2 s into the baseline. Well past it, nothing was injected...
      await page.waitForTimeout(Math.max(0, pausedAt + 3500 - Date.now()));
      expect(await page.locator('[data-no-faults]').count()).toBe(1);
      const held = await timedGet(x.proxyPort);
      expect(held.ok).toBe(true);
      expect(held.ms).toBeLessThan(300);

      await page.fill('#note-text', 'held the latency fault while the broker team joined');
      await page.click('[data-note] button[type="submit"]');
      await page
        .locator('[data-actions] >> text=held the latency fault while the broker team joined')
        .waitFor();

      // ...and resume injects it inside its slot: the proxy is slow now.
      await page.click('[data-action="resume"]');
      await page.locator('[data-fault="slow"][data-fault-state="active"]').waitFor({ timeout: 10_000 });
      const slow = await timedGet(x.proxyPort);
      expect(slow.ok).toBe(true);
      expect(slow.ms).toBeGreaterThanOrEqual(350);

      await waitFinished(serve.url, body.runId);
      await page.locator('[data-report="postmortem.md"]').waitFor({ timeout: 10_000 });
      const fetchLink = async (name: string) => {
        const href = (await page.getAttribute(`[data-report="${name}"]`, 'href'))!;
        return page.evaluate(async (url) => (await fetch(url)).text(), href);
      };
      const html = await fetchLink('report.html');
      const postmortem = await fetchLink('postmortem.md');
      const session = (await page.evaluate(async () => (await fetch('/api/session')).json())) as {
        user: string;
      };
      expect(html).toContain('held the latency fault while the broker team joined');
      expect(html).toContain(`<td>${session.user}</td><td>note</td>`);
      expect(postmortem).toMatch(
        new RegExp(
          `\\| \\+00:\\d\\d \\| ${session.user} \\| note \\| held the latency fault while the broker team joined \\|`,
        ),
      );
      expect(postmortem).toMatch(new RegExp(`\\| \\+00:\\d\\d \\| ${session.user} \\| paused \\|`));
      expect(postmortem).toMatch(new RegExp(`\\| \\+00:\\d\\d \\| ${session.user} \\| resumed \\|`));
      expect(errors).toEqual([]);
    } finally {
      await closeRoomPages();
      await serve.stop();
    }
  }, 90_000);

  it("a viewer sees the controls disabled with the reason, and the API refuses a viewer's abort with 403", async () => {
    const viewer = tokenFor('wall', 'viewer');
    const operator = tokenFor('carol', 'operator');
    const tokens = join(room.dir, 'tokens.txt');
    writeFileSync(tokens, `${viewer.line}\n${operator.line}\n`);
    const x = await proxyExperiment('room-viewer', service.port, {
      kind: 'proxy.latency',
      baseline: '4s',
      fault: '1s',
    });
    addToLibrary(room.library, 'viewer.yaml', x.yaml);
    const serve = await startServe(room.dir, ['--tokens', tokens]);
    const errors: string[] = [];
    try {
      const { body } = await api(serve.url, '/api/runs', {
        method: 'POST',
        token: operator.token,
        body: { file: 'viewer.yaml', vars: {} },
      });
      expect(body.runId).toBeTruthy();
      const page = await roomPage(browser, errors);
      await page.goto(`${serve.url}/#/runs/${body.runId}`);
      await page.fill('#token', viewer.token);
      await page.click('[data-login] button');
      await page.locator('[data-session-role="viewer"]').waitFor();
      const abort = page.locator('[data-action="abort"]');
      await abort.waitFor();
      expect(await abort.isDisabled()).toBe(true);
      expect(await abort.getAttribute('title')).toMatch(/operators abort, pause and add notes/);
      expect(await page.locator('[data-action="pause"]').isDisabled()).toBe(true);
      expect(await page.locator('[data-note] button').isDisabled()).toBe(true);
      const refused = await page.evaluate(async (id) => {
        const session = (await (await fetch('/api/session')).json()) as { csrf: string };
        const res = await fetch(`/api/runs/${id}/abort`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-squall-csrf': session.csrf },
          body: '{}',
        });
        return { status: res.status, body: (await res.json()) as { code: string } };
      }, body.runId);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toMatch(/^SQUALL_/);
      const run = await waitFinished(serve.url, body.runId, 60_000, operator.token);
      expect(run.outcome).not.toBe('aborted');
      // What the page logged besides: the 401 that showed the sign-in form and the refused abort's 403.
      expect(errors.filter((e) => !/status of (401|403)/.test(e))).toEqual([]);
    } finally {
      await closeRoomPages();
      await serve.stop();
    }
  }, 90_000);
});
